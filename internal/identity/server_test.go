package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startCA serves the issuance API on a loopback TLS listener with a server certificate from ca.
func startCA(t *testing.T, ca *CA, srv *Server) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.IssueServerCertificate(key.Public(), mustParse(t, "spiffe://"+ca.TrustDomain()+"/palisade/ca"), nil, []net.IP{net.IPv4(127, 0, 0, 1)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := NewTrustBundle(ca.TrustDomain(), ca.Bundle())
	if err != nil {
		t.Fatal(err)
	}
	tc := TLSCertificate(cert.Chain, key)
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.TLS = ServerTLSConfig(func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return tc, nil }, tb.Pool())
	hs.TLS.Certificates = []tls.Certificate{*tc} // no SNI on an IP address: GetCertificate is not consulted
	hs.StartTLS()
	t.Cleanup(hs.Close)
	return hs, tb.Pool()
}

// startTokenReview serves authentication.k8s.io/v1 TokenReview over TLS on loopback, as a
// Kubernetes API server does: it checks the reviewer's credential, decodes the review, and
// authenticates exactly one token as system:serviceaccount:shop:checkout.
func startTokenReview(t *testing.T, goodToken string) (*httptest.Server, *int) {
	t.Helper()
	calls := new(int)
	hs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*calls++
		if r.Method != http.MethodPost || r.URL.Path != "/apis/authentication.k8s.io/v1/tokenreviews" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") != "Bearer reviewer-credential" {
			http.Error(w, `{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}`, http.StatusUnauthorized)
			return
		}
		var rev tokenReview
		if err := json.NewDecoder(r.Body).Decode(&rev); err != nil || rev.Kind != "TokenReview" || rev.APIVersion != "authentication.k8s.io/v1" {
			http.Error(w, "bad review", http.StatusBadRequest)
			return
		}
		rev.Status = tokenReviewStatus{}
		if rev.Spec.Token == goodToken {
			rev.Status = tokenReviewStatus{Authenticated: true, Audiences: rev.Spec.Audiences,
				User: userInfo{Username: "system:serviceaccount:shop:checkout", UID: "b1e3", Groups: []string{"system:serviceaccounts", "system:serviceaccounts:shop"}}}
		} else {
			rev.Status.Error = "invalid bearer token"
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(rev)
	}))
	t.Cleanup(hs.Close)
	return hs, calls
}

func TestIssuanceAPI(t *testing.T) {
	ca, dir := newTestCA(t, "example.org")
	clock := time.Now()
	tokens := NewJoinTokenStore(filepath.Join(dir, fileTokens), func() time.Time { return clock })
	good, err := tokens.Create(mustParse(t, "spiffe://example.org/web"), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	short, err := tokens.Create(mustParse(t, "spiffe://example.org/short"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	k8s, reviews := startTokenReview(t, "sa-token-checkout")
	reviewer := &TokenReviewer{APIServer: k8s.URL, Client: k8s.Client(), Credential: "reviewer-credential", Audiences: []string{"palisade"}}
	hs, roots := startCA(t, ca, NewServer(ca, tokens, reviewer, 0))
	cl := &Client{URL: hs.URL, Roots: roots}
	ctx := context.Background()

	first, bundle, err := cl.Fetch(ctx, Attestation{Type: AttestJoinToken, Token: good}, nil)
	if err != nil {
		t.Fatalf("join token: %v", err)
	}
	if got := first.Leaf.URIs[0].String(); got != "spiffe://example.org/web" {
		t.Errorf("join token issued %s", got)
	}
	if len(bundle) != 1 || !bundle[0].Equal(ca.Bundle()[0]) {
		t.Error("answer did not carry the trust bundle")
	}
	clock = clock.Add(2 * time.Second) // the short token has now expired
	tests := []struct {
		name    string
		att     Attestation
		current *tls.Certificate
		wantID  string
		wantErr string
	}{
		{name: "join token reused", att: Attestation{Type: AttestJoinToken, Token: good}, wantErr: "401"},
		{name: "join token expired", att: Attestation{Type: AttestJoinToken, Token: short}, wantErr: "401"},
		{name: "join token unknown", att: Attestation{Type: AttestJoinToken, Token: "pjt_nope"}, wantErr: "401"},
		{name: "kubernetes token", att: Attestation{Type: AttestK8sSAT, Token: "sa-token-checkout"}, wantID: "spiffe://example.org/ns/shop/sa/checkout"},
		{name: "kubernetes token rejected", att: Attestation{Type: AttestK8sSAT, Token: "forged"}, wantErr: "401"},
		{name: "renewal with svid", att: Attestation{Type: AttestSVID}, current: first, wantID: "spiffe://example.org/web"},
		{name: "renewal without svid", att: Attestation{Type: AttestSVID}, wantErr: "401"},
		{name: "unknown attestation", att: Attestation{Type: "trust-me"}, wantErr: "400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := cl.Fetch(ctx, tt.att, tt.current)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if tt.att.Token != "" && strings.Contains(err.Error(), tt.att.Token) {
					t.Fatalf("error reveals the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id := got.Leaf.URIs[0].String(); id != tt.wantID {
				t.Errorf("issued %s, want %s", id, tt.wantID)
			}
		})
	}
	if *reviews != 2 {
		t.Errorf("TokenReview API called %d times, want 2", *reviews)
	}
}

func TestSourceRenewsAtHalfLife(t *testing.T) {
	ca, _ := newTestCA(t, "example.org")
	id := mustParse(t, "spiffe://example.org/web")
	fetch := func(ctx context.Context, _ *tls.Certificate) (*tls.Certificate, error) {
		key, csr := newTestCSR(t)
		s, err := ca.IssueSVID(csr, id, 2*time.Second)
		if err != nil {
			return nil, err
		}
		return TLSCertificate(s.Chain, key), nil
	}
	src, err := NewSource(context.Background(), fetch)
	if err != nil {
		t.Fatal(err)
	}
	first := src.Current()
	renewed := make(chan *tls.Certificate, 4)
	src.OnRenew = func(c *tls.Certificate) {
		select {
		case renewed <- c:
		default:
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- src.Run(ctx) }()
	select {
	case c := <-renewed:
		issued := first.Leaf.NotBefore.Add(30 * time.Second) // the CA back-dates NotBefore by 30s
		if half := issued.Add(first.Leaf.NotAfter.Sub(issued) / 2); time.Now().Before(half.Add(-50 * time.Millisecond)) {
			t.Errorf("renewed %s after start, before the half-life of the 2s SVID", time.Since(start))
		}
		if c.Leaf.SerialNumber.Cmp(first.Leaf.SerialNumber) == 0 {
			t.Error("renewal returned the same certificate")
		}
		got, _ := src.GetCertificate(nil)
		if got != c {
			t.Error("GetCertificate does not serve the renewed SVID")
		}
		if time.Now().After(first.Leaf.NotAfter) {
			t.Error("renewal happened after the old SVID expired")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no renewal within 5s of a 2s SVID")
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run returned %v", err)
	}
}

// TestTokenReviewAudience checks that an audience the API server did not confirm is refused, as
// is a user that is not a service account.
func TestTokenReviewAudience(t *testing.T) {
	tests := []struct {
		name     string
		status   tokenReviewStatus
		wantErr  string
		wantUser ServiceAccount
	}{
		{name: "confirmed", status: tokenReviewStatus{Authenticated: true, Audiences: []string{"palisade"}, User: userInfo{Username: "system:serviceaccount:ns1:sa1"}},
			wantUser: ServiceAccount{Namespace: "ns1", Name: "sa1"}},
		{name: "audience not confirmed", status: tokenReviewStatus{Authenticated: true, User: userInfo{Username: "system:serviceaccount:ns1:sa1"}}, wantErr: "audience"},
		{name: "not a service account", status: tokenReviewStatus{Authenticated: true, Audiences: []string{"palisade"}, User: userInfo{Username: "alice"}}, wantErr: "not a service account"},
		{name: "not authenticated", status: tokenReviewStatus{Error: "token expired"}, wantErr: "token expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var rev tokenReview
				_ = json.NewDecoder(r.Body).Decode(&rev)
				rev.Status = tt.status
				w.WriteHeader(http.StatusCreated)
				_ = json.NewEncoder(w).Encode(rev)
			}))
			defer hs.Close()
			rv := &TokenReviewer{APIServer: hs.URL, Client: hs.Client(), Audiences: []string{"palisade"}}
			sa, err := rv.Review(context.Background(), "some-token")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || sa != tt.wantUser {
				t.Fatalf("Review = %+v, %v", sa, err)
			}
		})
	}
}
