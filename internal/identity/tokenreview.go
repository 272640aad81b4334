package identity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// TokenReviewer authenticates a Kubernetes service-account token by asking the cluster's
// TokenReview API (authentication.k8s.io/v1), so Palisade never has to hold the cluster's signing
// keys. A token the API server does not mark authenticated, or that does not name a service
// account, is refused.
type TokenReviewer struct {
	// APIServer is the base URL, e.g. https://kubernetes.default.svc.
	APIServer string
	// Client must trust the API server's CA; its transport should enforce TLS 1.2+.
	Client *http.Client
	// Credential is the bearer token Palisade itself presents (it needs the
	// system:auth-delegator role). It is never logged.
	Credential string
	// Audiences, when set, are sent in the review and must all be confirmed by the API server.
	Audiences []string
}

type tokenReview struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Spec       tokenReviewSpec   `json:"spec"`
	Status     tokenReviewStatus `json:"status"`
}

type tokenReviewSpec struct {
	Token     string   `json:"token"`
	Audiences []string `json:"audiences,omitempty"`
}

type tokenReviewStatus struct {
	Authenticated bool     `json:"authenticated"`
	User          userInfo `json:"user"`
	Audiences     []string `json:"audiences,omitempty"`
	Error         string   `json:"error,omitempty"`
}

type userInfo struct {
	Username string   `json:"username"`
	UID      string   `json:"uid"`
	Groups   []string `json:"groups"`
}

// ServiceAccount is a reviewed Kubernetes identity.
type ServiceAccount struct {
	Namespace string
	Name      string
}

// SPIFFEID maps a service account to the conventional ID spiffe://<td>/ns/<namespace>/sa/<name>.
func (sa ServiceAccount) SPIFFEID(td string) (ID, error) {
	return IDFromPath(td, "/ns/"+sa.Namespace+"/sa/"+sa.Name)
}

// Review sends token to the TokenReview API and returns the service account it belongs to.
func (r *TokenReviewer) Review(ctx context.Context, token string) (ServiceAccount, error) {
	if token == "" {
		return ServiceAccount{}, errors.New("token review: empty token")
	}
	if r.Client == nil {
		return ServiceAccount{}, errors.New("token review: no HTTP client configured")
	}
	body, err := json.Marshal(tokenReview{
		APIVersion: "authentication.k8s.io/v1",
		Kind:       "TokenReview",
		Spec:       tokenReviewSpec{Token: token, Audiences: r.Audiences},
	})
	if err != nil {
		return ServiceAccount{}, fmt.Errorf("token review: %w", err)
	}
	url := strings.TrimSuffix(r.APIServer, "/") + "/apis/authentication.k8s.io/v1/tokenreviews"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return ServiceAccount{}, fmt.Errorf("token review: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if r.Credential != "" {
		req.Header.Set("Authorization", "Bearer "+r.Credential)
	}
	resp, err := r.Client.Do(req)
	if err != nil {
		return ServiceAccount{}, fmt.Errorf("token review: %w", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return ServiceAccount{}, fmt.Errorf("token review: read response: %w", err)
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return ServiceAccount{}, fmt.Errorf("token review: api server answered %s", resp.Status)
	}
	var out tokenReview
	if err := json.Unmarshal(rb, &out); err != nil {
		return ServiceAccount{}, fmt.Errorf("token review: decode response: %w", err)
	}
	if out.Kind != "TokenReview" {
		return ServiceAccount{}, fmt.Errorf("token review: response kind %q, want TokenReview", out.Kind)
	}
	st := out.Status
	if !st.Authenticated {
		msg := "not authenticated"
		if st.Error != "" {
			msg += ": " + st.Error
		}
		return ServiceAccount{}, fmt.Errorf("token review: %s", msg)
	}
	for _, want := range r.Audiences {
		if !contains(st.Audiences, want) {
			return ServiceAccount{}, fmt.Errorf("token review: audience %q not confirmed", want)
		}
	}
	return parseSAUsername(st.User.Username)
}

func parseSAUsername(u string) (ServiceAccount, error) {
	parts := strings.Split(u, ":")
	if len(parts) != 4 || parts[0] != "system" || parts[1] != "serviceaccount" || parts[2] == "" || parts[3] == "" {
		return ServiceAccount{}, fmt.Errorf("token review: user %q is not a service account", u)
	}
	return ServiceAccount{Namespace: parts[2], Name: parts[3]}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
