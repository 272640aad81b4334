package identity

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// startCA serves the issuance API on a loopback TLS listener with the API certificate the server
// issues itself (as `palisade ca serve` does), renewed through the returned Source.
func startCA(t *testing.T, ca *CA, srv *Server) (*httptest.Server, *Source) {
	t.Helper()
	return startAPI(t, srv, srv.Handler())
}

// startAPI is startCA with a handler of the test's choosing behind the API's real certificate.
func startAPI(t *testing.T, srv *Server, h http.Handler) (*httptest.Server, *Source) {
	t.Helper()
	src, err := NewSource(context.Background(), srv.APICertificate([]string{"127.0.0.1"}, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(h)
	hs.TLS = ServerTLSConfig(src.GetCertificate)
	// httptest installs its own certificate when none is set, and crypto/tls prefers it to
	// GetCertificate on a connection without SNI (an IP address): so serve through a
	// per-connection config that has only GetCertificate.
	hs.TLS.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) { return ServerTLSConfig(src.GetCertificate), nil }
	hs.StartTLS()
	t.Cleanup(hs.Close)
	return hs, src
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
	hs, _ := startCA(t, ca, NewServer(ca, tokens, reviewer, 0))
	tb, err := NewTrustBundle("example.org", ca.Bundle())
	if err != nil {
		t.Fatal(err)
	}
	cl := &Client{URL: hs.URL, Bundle: tb}
	ctx := context.Background()

	is, err := cl.Fetch(ctx, Attestation{Type: AttestJoinToken, Token: good}, nil)
	if err != nil {
		t.Fatalf("join token: %v", err)
	}
	first := is.Cert
	if got := first.Leaf.URIs[0].String(); got != "spiffe://example.org/web" {
		t.Errorf("join token issued %s", got)
	}
	if is.BundleErr != nil || !is.Bundle.Equal(tb) {
		t.Errorf("answer did not carry the trust bundle: %v", is.BundleErr)
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
			is, err := cl.Fetch(ctx, tt.att, tt.current)
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
			if id := is.Cert.Leaf.URIs[0].String(); id != tt.wantID {
				t.Errorf("issued %s, want %s", id, tt.wantID)
			}
		})
	}
	if *reviews != 2 {
		t.Errorf("TokenReview API called %d times, want 2", *reviews)
	}
}

// TestSourceRenewsAtHalfLife: in virtual time, a 2s SVID obtained at t0 is renewed exactly at
// its half-life, t0+1s, not a moment before, and the renewed one is served from then on.
func TestSourceRenewsAtHalfLife(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
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
		t0 := time.Now()
		src, err := NewSource(context.Background(), fetch)
		if err != nil {
			t.Fatal(err)
		}
		first := src.Current()
		if got := first.Leaf.NotAfter.Sub(t0); got != 2*time.Second {
			t.Fatalf("SVID lives %s from now, want 2s", got)
		}
		var renewals []time.Time
		src.OnRenew = func(*tls.Certificate) { renewals = append(renewals, time.Now()) }
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- src.Run(ctx) }()

		time.Sleep(time.Second - time.Nanosecond) // virtual time
		synctest.Wait()
		if len(renewals) != 0 || src.Current() != first {
			t.Fatalf("renewed at %v, before the half-life t0+1s", renewals)
		}
		time.Sleep(time.Nanosecond) // virtual time: the half-life
		synctest.Wait()
		if len(renewals) != 1 || !renewals[0].Equal(t0.Add(time.Second)) {
			t.Fatalf("renewals %v, want one at t0+1s", renewals)
		}
		c := src.Current()
		if c.Leaf.SerialNumber.Cmp(first.Leaf.SerialNumber) == 0 {
			t.Error("renewal returned the same certificate")
		}
		if got, _ := src.GetCertificate(nil); got != c {
			t.Error("GetCertificate does not serve the renewed SVID")
		}
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("Run returned %v", err)
		}
	})
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

// TestRenewalAcrossRotation drives a workload through a whole rotation against the API: it keeps
// reaching the API and renewing while it still trusts only the previous root (the API serves the
// cross-signed chain), learns the overlapping bundle, renews with a new-generation SVID (which the
// API verifies against its current bundle, not the one it started with), and after pruning an
// old-generation SVID can no longer renew.
func TestRenewalAcrossRotation(t *testing.T) {
	ca, dir := newTestCA(t, "example.org")
	tokens := NewJoinTokenStore(filepath.Join(dir, fileTokens), nil)
	tok, err := tokens.Create(mustParse(t, "spiffe://example.org/web"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(ca, tokens, nil, time.Hour)
	hs, api := startCA(t, ca, srv)
	ctx := context.Background()
	oldTB, _ := NewTrustBundle("example.org", ca.Bundle())
	cl := &Client{URL: hs.URL, Bundle: oldTB}
	gen1, err := cl.Fetch(ctx, Attestation{Type: AttestJoinToken, Token: tok}, nil)
	if err != nil {
		t.Fatal(err)
	}

	reload := func() {
		t.Helper()
		next, err := Load(dir, "pw")
		if err != nil {
			t.Fatal(err)
		}
		srv.SetCA(next)
		if err := api.Renew(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Rotate(dir, InitOptions{Passphrase: "pw"}); err != nil {
		t.Fatal(err)
	}
	reload()
	overlap, err := cl.FetchBundle(ctx)
	if err != nil {
		t.Fatalf("a client trusting only the previous root cannot fetch the bundle after rotation: %v", err)
	}
	if len(overlap.Roots()) != 2 {
		t.Fatalf("overlap bundle has %d roots, want 2", len(overlap.Roots()))
	}
	gen2, err := cl.Fetch(ctx, Attestation{Type: AttestSVID}, gen1.Cert)
	if err != nil {
		t.Fatalf("renewal with the old-generation SVID during overlap: %v", err)
	}
	if gen2.BundleErr != nil || !gen2.Bundle.Equal(overlap) {
		t.Errorf("renewal answer's bundle: %v", gen2.BundleErr)
	}
	cl.Bundle = overlap
	if _, err := cl.Fetch(ctx, Attestation{Type: AttestSVID}, gen2.Cert); err != nil {
		t.Fatalf("renewal with a new-generation SVID: %v", err)
	}

	if _, err := PruneBundle(dir, "pw"); err != nil {
		t.Fatal(err)
	}
	reload()
	pruned, err := cl.FetchBundle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pruned.Roots()) != 1 {
		t.Fatalf("pruned bundle has %d roots", len(pruned.Roots()))
	}
	if _, err := cl.Fetch(ctx, Attestation{Type: AttestSVID}, gen1.Cert); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("renewal with an SVID of the pruned root: %v, want 401", err)
	}
}
