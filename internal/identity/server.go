package identity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Attestation types a workload may use to prove who it is.
const (
	AttestJoinToken = "join_token" // a one-time token minted by `palisade ca token create`
	AttestK8sSAT    = "k8s_sat"    // a Kubernetes service-account token, checked by TokenReview
	AttestSVID      = "svid"       // renewal: the current SVID presented as the TLS client certificate
)

// IssueRequest is the JSON body of POST /v1/svid.
type IssueRequest struct {
	// CSR is a PEM CERTIFICATE REQUEST; its public key is certified, its names are ignored.
	CSR         string      `json:"csr"`
	Attestation Attestation `json:"attestation"`
}

// Attestation is the proof of identity that accompanies a CSR.
type Attestation struct {
	Type  string `json:"type"`
	Token string `json:"token,omitempty"`
}

// IssueResponse is the JSON answer of POST /v1/svid.
type IssueResponse struct {
	SPIFFEID         string    `json:"spiffe_id"`
	TrustDomain      string    `json:"trust_domain"`
	CertificateChain string    `json:"certificate_chain"`
	TrustBundle      string    `json:"trust_bundle"`
	ExpiresAt        time.Time `json:"expires_at"`
}

// Server is the issuance API: it hands out SVIDs to workloads that attest and serves the trust
// bundle. It must be served over TLS with client certificates optional (VerifyClientCertIfGiven)
// so renewals can authenticate with the SVID being renewed.
type Server struct {
	ca       atomic.Pointer[CA]
	tokens   *JoinTokenStore
	reviewer *TokenReviewer
	ttl      time.Duration
}

// NewServer builds the issuance API. tokens or reviewer may be nil to disable that attestation.
func NewServer(ca *CA, tokens *JoinTokenStore, reviewer *TokenReviewer, ttl time.Duration) *Server {
	s := &Server{tokens: tokens, reviewer: reviewer, ttl: ttl}
	s.ca.Store(ca)
	return s
}

// SetCA swaps in a reloaded CA (after a rotation) without dropping connections.
func (s *Server) SetCA(ca *CA) { s.ca.Store(ca) }

// APICertificate returns a FetchFunc for the API's own TLS certificate: an SVID for
// spiffe://<trust-domain>/palisade/ca that also names the API's DNS names and IP addresses,
// issued by whichever CA the server holds at the time (so renewing it after SetCA moves the API
// onto the new chain; during a rotation's overlap the chain carries the cross-signed intermediate,
// so clients that still trust only the previous root can reach the API and learn the new bundle).
func (s *Server) APICertificate(names []string, ttl time.Duration) FetchFunc {
	return func(context.Context, *tls.Certificate) (*tls.Certificate, error) {
		ca := s.ca.Load()
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("api certificate: %w", err)
		}
		id, err := IDFromPath(ca.TrustDomain(), "/palisade/ca")
		if err != nil {
			return nil, fmt.Errorf("api certificate: %w", err)
		}
		var dns []string
		var ips []net.IP
		for _, n := range names {
			if ip := net.ParseIP(n); ip != nil {
				ips = append(ips, ip)
			} else {
				dns = append(dns, n)
			}
		}
		svid, err := ca.IssueServerCertificate(key.Public(), id, dns, ips, ttl)
		if err != nil {
			return nil, fmt.Errorf("api certificate: %w", err)
		}
		return TLSCertificate(svid.Chain, key), nil
	}
}

// Handler returns the HTTP routes: GET /v1/bundle and POST /v1/svid.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/bundle", func(w http.ResponseWriter, r *http.Request) {
		ca := s.ca.Load()
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set(TrustDomainHeader, ca.TrustDomain())
		_, _ = w.Write(ca.BundlePEM())
	})
	mux.HandleFunc("POST /v1/svid", s.issue)
	return mux
}

// maxRequestBody bounds the issuance request: a CSR and a token fit in far less.
const maxRequestBody = 64 << 10

func (s *Server) issue(w http.ResponseWriter, r *http.Request) {
	var req IssueRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "decode request: "+err.Error())
		return
	}
	block, _ := pem.Decode([]byte(req.CSR))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		writeError(w, http.StatusBadRequest, "csr: want a PEM CERTIFICATE REQUEST")
		return
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		writeError(w, http.StatusBadRequest, "csr: "+err.Error())
		return
	}
	ca := s.ca.Load()
	id, status, err := s.attest(r.Context(), r, ca, req.Attestation)
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	svid, err := ca.IssueSVID(csr, id, s.ttl)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(IssueResponse{
		SPIFFEID:         id.String(),
		TrustDomain:      ca.TrustDomain(),
		CertificateChain: string(svid.ChainPEM()),
		TrustBundle:      string(ca.BundlePEM()),
		ExpiresAt:        svid.Chain[0].NotAfter.UTC(),
	})
}

// attest turns the attestation into the ID to issue; its errors never include the token.
func (s *Server) attest(ctx context.Context, r *http.Request, ca *CA, a Attestation) (ID, int, error) {
	switch a.Type {
	case AttestJoinToken:
		if s.tokens == nil {
			return ID{}, http.StatusForbidden, errors.New("join tokens are not enabled")
		}
		id, err := s.tokens.Redeem(a.Token)
		if err != nil {
			return ID{}, http.StatusUnauthorized, ErrTokenRejected
		}
		return id, 0, nil
	case AttestK8sSAT:
		if s.reviewer == nil {
			return ID{}, http.StatusForbidden, errors.New("kubernetes attestation is not enabled")
		}
		sa, err := s.reviewer.Review(ctx, a.Token)
		if err != nil {
			return ID{}, http.StatusUnauthorized, errors.New("service-account token rejected")
		}
		id, err := sa.SPIFFEID(ca.TrustDomain())
		if err != nil {
			return ID{}, http.StatusForbidden, fmt.Errorf("service account: %w", err)
		}
		return id, 0, nil
	case AttestSVID:
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			return ID{}, http.StatusUnauthorized, errors.New("renewal needs the current SVID as the client certificate")
		}
		tb, err := NewTrustBundle(ca.TrustDomain(), ca.Bundle())
		if err != nil {
			return ID{}, http.StatusInternalServerError, err
		}
		id, err := tb.VerifySVID(r.TLS.PeerCertificates, ca.now())
		if err != nil {
			return ID{}, http.StatusUnauthorized, err
		}
		return id, 0, nil
	default:
		return ID{}, http.StatusBadRequest, fmt.Errorf("attestation type %q: want %s, %s or %s", a.Type, AttestJoinToken, AttestK8sSAT, AttestSVID)
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// ServerTLSConfig is the TLS configuration for the issuance API: TLS 1.2+ and the server
// certificate from getCert. A client certificate is requested but not verified by TLS: the
// renewal handler verifies it against the bundle of the CA it holds at that moment, so a
// workload that already renewed onto a new root after a rotation can still renew.
func ServerTLSConfig(getCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: getCert,
		ClientAuth:     tls.RequestClientCert,
	}
}
