package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/errkind"
	"github.com/palisade-sec/palisade/internal/identity"
)

// caFlags are the flags every `palisade ca` subcommand shares.
type caFlags struct {
	dir      string
	passFile string
	// insecureUnsealed lets init and rotate write the CA keys without a passphrase.
	insecureUnsealed bool
}

// envCAPassphrase is the environment variable that holds the passphrase sealing the CA keys.
const envCAPassphrase = "PALISADE_CA_PASSPHRASE"

func (f *caFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "dir", "palisade-ca", "CA directory")
	cmd.Flags().StringVar(&f.passFile, "passphrase-file", "", "file holding the passphrase that seals the CA keys (or set "+envCAPassphrase+")")
}

// registerSealing adds --insecure-unsealed to the commands that write keys.
func (f *caFlags) registerSealing(cmd *cobra.Command) {
	f.register(cmd)
	cmd.Flags().BoolVar(&f.insecureUnsealed, "insecure-unsealed", false, "write the CA keys without a passphrase (anyone who can read the directory can then mint identities)")
}

// passphrase returns the passphrase from --passphrase-file, else from the environment, else "".
// A source that is given but empty or only whitespace is an error: it would otherwise leave the
// keys unsealed (or fail to open them) while the user believes they gave a passphrase.
func (f *caFlags) passphrase() (identity.Passphrase, error) {
	var p, src string
	if f.passFile != "" {
		b, err := os.ReadFile(f.passFile)
		if err != nil {
			return "", errkind.Wrap(errkind.Invalid, fmt.Errorf("read passphrase: %w", err))
		}
		p, src = strings.TrimRight(string(b), "\r\n"), "--passphrase-file "+f.passFile
	} else if v, ok := os.LookupEnv(envCAPassphrase); ok {
		p, src = v, envCAPassphrase
	} else {
		return "", nil
	}
	if strings.TrimSpace(p) == "" {
		return "", errkind.Wrap(errkind.Invalid, fmt.Errorf("%s: the passphrase is empty or only whitespace (unset it, and use --insecure-unsealed, to write unsealed keys on purpose)", src))
	}
	return identity.Passphrase(p), nil
}

// sealingPassphrase is the passphrase for commands that write keys: one is required unless
// --insecure-unsealed says, explicitly, that the keys may lie on disk unsealed.
func (f *caFlags) sealingPassphrase() (identity.Passphrase, error) {
	p, err := f.passphrase()
	if err != nil {
		return "", err
	}
	switch {
	case p == "" && !f.insecureUnsealed:
		return "", errkind.Wrap(errkind.Invalid, fmt.Errorf("no passphrase to seal the CA keys: give --passphrase-file or %s, or --insecure-unsealed to write them unsealed", envCAPassphrase))
	case p != "" && f.insecureUnsealed:
		return "", errkind.Wrap(errkind.Invalid, errors.New("--insecure-unsealed conflicts with the passphrase given: choose one"))
	}
	return p, nil
}

func newCACmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ca",
		Short: "Run the service-identity CA: SPIFFE X.509-SVIDs, join tokens, trust bundle rotation",
	}
	cmd.AddCommand(newCAInitCmd(app), newCARotateCmd(app), newCAPruneCmd(app), newCATokenCmd(app),
		newCAIssueCmd(app), newCAServeCmd(app))
	return cmd
}

func newCAInitCmd(app *App) *cobra.Command {
	var f caFlags
	var td string
	var force bool
	var rootTTL, interTTL time.Duration
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a root and an intermediate CA (ECDSA P-256) for a trust domain",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := f.sealingPassphrase()
			if err != nil {
				return err
			}
			ca, err := identity.Init(f.dir, identity.InitOptions{TrustDomain: td, Passphrase: pass, RootTTL: rootTTL, IntermediateTTL: interTTL, Force: force})
			if err != nil {
				return errkind.Wrap(errkind.Invalid, err)
			}
			sealed := "unsealed (--insecure-unsealed; set " + envCAPassphrase + " or --passphrase-file to seal them)"
			if pass != "" {
				sealed = "sealed with the passphrase"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created CA for trust domain %s in %s; keys %s\ntrust bundle: %s\n",
				ca.TrustDomain(), f.dir, sealed, filepath.Join(f.dir, "bundle.pem"))
			return nil
		},
	}
	f.registerSealing(cmd)
	cmd.Flags().StringVar(&td, "trust-domain", "", "SPIFFE trust domain, e.g. example.org (required)")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing CA in --dir")
	cmd.Flags().DurationVar(&rootTTL, "root-ttl", 5*365*24*time.Hour, "root certificate lifetime")
	cmd.Flags().DurationVar(&interTTL, "intermediate-ttl", 365*24*time.Hour, "intermediate certificate lifetime")
	_ = cmd.MarkFlagRequired("trust-domain")
	return cmd
}

func newCARotateCmd(app *App) *cobra.Command {
	var f caFlags
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Create a new root and intermediate; old roots stay in the bundle until pruned",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := f.sealingPassphrase()
			if err != nil {
				return err
			}
			ca, err := identity.Rotate(f.dir, identity.InitOptions{Passphrase: pass})
			if err != nil {
				return errkind.Wrap(errkind.Invalid, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rotated; the trust bundle now holds %d roots\n", len(ca.Bundle()))
			if len(ca.CrossCertificates()) > 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "the new intermediate is cross-signed by the previous root: workloads that have not yet fetched the new bundle accept the new SVIDs")
			} else {
				fmt.Fprintln(cmd.OutOrStdout(), "the previous root key is not in --dir, so there is no cross-signature: a workload that trusts only the previous root can verify neither new SVIDs nor the CA API until it gets the new bundle.pem another way")
			}
			return nil
		},
	}
	f.registerSealing(cmd)
	return cmd
}

func newCAPruneCmd(app *App) *cobra.Command {
	var f caFlags
	cmd := &cobra.Command{
		Use:   "prune-bundle",
		Short: "End a rotation's overlap: keep only the current root in the trust bundle",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := f.passphrase()
			if err != nil {
				return err
			}
			if _, err := identity.PruneBundle(f.dir, pass); err != nil {
				return errkind.Wrap(errkind.Invalid, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "trust bundle pruned to the current root")
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func newCATokenCmd(app *App) *cobra.Command {
	var f caFlags
	var id string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Mint a one-time join token that lets a workload obtain one SVID for --spiffe-id",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sid, err := identity.ParseID(id)
			if err != nil {
				return errkind.Wrap(errkind.Invalid, fmt.Errorf("--spiffe-id: %w", err))
			}
			// A token is only worth minting where a CA will redeem it, and only for an identity
			// that CA can issue; a token for another trust domain would never be honoured.
			td, err := identity.ReadTrustDomain(f.dir)
			if err != nil {
				return errkind.Wrap(errkind.Invalid, fmt.Errorf("ca token: %w", err))
			}
			if !sid.MemberOf(td) {
				return errkind.Wrap(errkind.Invalid, fmt.Errorf("ca token: --spiffe-id %s is not in the trust domain of the CA in %s (%s)", sid, f.dir, td))
			}
			tok, err := identity.NewJoinTokenStore(filepath.Join(f.dir, "join-tokens.json"), nil).Create(sid, ttl)
			if err != nil {
				return errkind.Wrap(errkind.Invalid, err)
			}
			// The token is the command's output: it is printed once, to stdout only, and stored hashed.
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&id, "spiffe-id", "", "SPIFFE ID the token entitles (required)")
	cmd.Flags().DurationVar(&ttl, "ttl", 15*time.Minute, "how long the token may be redeemed")
	_ = cmd.MarkFlagRequired("spiffe-id")
	return cmd
}

func newCAIssueCmd(app *App) *cobra.Command {
	var f caFlags
	var id, certOut, keyOut string
	var ttl time.Duration
	var dns []string
	cmd := &cobra.Command{
		Use:   "issue",
		Short: "Issue an SVID directly to files (bootstrap, tests; workloads should use the API)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := f.passphrase()
			if err != nil {
				return err
			}
			ca, err := identity.Load(f.dir, pass)
			if err != nil {
				return errkind.Wrap(errkind.Invalid, err)
			}
			sid, err := identity.ParseID(id)
			if err != nil {
				return errkind.Wrap(errkind.Invalid, fmt.Errorf("--spiffe-id: %w", err))
			}
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				return err
			}
			var svid *identity.SVID
			if len(dns) > 0 {
				var ips []net.IP
				var names []string
				for _, d := range dns {
					if ip := net.ParseIP(d); ip != nil {
						ips = append(ips, ip)
					} else {
						names = append(names, d)
					}
				}
				svid, err = ca.IssueServerCertificate(key.Public(), sid, names, ips, ttl)
			} else {
				der, cerr := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
				if cerr != nil {
					return cerr
				}
				csr, _ := x509.ParseCertificateRequest(der)
				svid, err = ca.IssueSVID(csr, sid, ttl)
			}
			if err != nil {
				return errkind.Wrap(errkind.Invalid, err)
			}
			if err := identity.WriteSVIDFiles(certOut, keyOut, identity.TLSCertificate(svid.Chain, key)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "issued %s until %s: %s, %s\n", sid, svid.Chain[0].NotAfter.UTC().Format(time.RFC3339), certOut, keyOut)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&id, "spiffe-id", "", "SPIFFE ID to issue (required)")
	cmd.Flags().StringVar(&certOut, "cert", "svid.pem", "output certificate chain")
	cmd.Flags().StringVar(&keyOut, "key", "svid.key", "output private key (written 0600)")
	cmd.Flags().DurationVar(&ttl, "ttl", identity.DefaultSVIDTTL, "SVID lifetime")
	cmd.Flags().StringSliceVar(&dns, "dns", nil, "also add these DNS names or IP addresses (for a TLS server)")
	_ = cmd.MarkFlagRequired("spiffe-id")
	return cmd
}

func newCAServeCmd(app *App) *cobra.Command {
	var f caFlags
	var listen, apiServer, apiCAFile, credFile string
	var names, audiences []string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the issuance API over TLS: workloads send a CSR with a join token, a Kubernetes token or their current SVID",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := f.passphrase()
			if err != nil {
				return err
			}
			ca, err := identity.Load(f.dir, pass)
			if err != nil {
				return errkind.Wrap(errkind.Invalid, err)
			}
			var reviewer *identity.TokenReviewer
			if apiServer != "" {
				reviewer, err = newReviewer(apiServer, apiCAFile, credFile, audiences)
				if err != nil {
					return errkind.Wrap(errkind.Invalid, err)
				}
			}
			tokens := identity.NewJoinTokenStore(filepath.Join(f.dir, "join-tokens.json"), nil)
			srv := identity.NewServer(ca, tokens, reviewer, ttl)
			ctx, stop := app.serverContext(cmd.Context())
			defer stop()
			return serveCA(ctx, app, serverLogger(ctx, app), f.dir, pass, ca, srv, listen, names)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8600", "address of the issuance API")
	cmd.Flags().StringSliceVar(&names, "name", []string{"localhost", "127.0.0.1"}, "DNS names / IPs of the API's own certificate")
	cmd.Flags().DurationVar(&ttl, "svid-ttl", identity.DefaultSVIDTTL, "lifetime of issued SVIDs")
	cmd.Flags().StringVar(&apiServer, "k8s-api-server", "", "Kubernetes API server URL; enables service-account token attestation")
	cmd.Flags().StringVar(&apiCAFile, "k8s-ca-file", "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "CA bundle of the API server")
	cmd.Flags().StringVar(&credFile, "k8s-token-file", "/var/run/secrets/kubernetes.io/serviceaccount/token", "credential for the TokenReview call")
	cmd.Flags().StringSliceVar(&audiences, "k8s-audience", nil, "audiences the service-account token must carry")
	return cmd
}

// serveCA runs the issuance API until ctx ends. SIGHUP, or a change of the CA directory's
// certificates (after `palisade ca rotate` or `prune-bundle`), reloads the CA and reissues the
// API's own certificate from it without dropping connections.
func serveCA(ctx context.Context, app *App, log *slog.Logger, dir string, pass identity.Passphrase, ca *identity.CA, srv *identity.Server, addr string, names []string) error {
	src, err := identity.NewSource(ctx, srv.APICertificate(names, 24*time.Hour))
	if err != nil {
		return err
	}
	go func() { _ = src.Run(ctx) }()
	hs := &http.Server{Handler: srv.Handler(), TLSConfig: identity.ServerTLSConfig(src.GetCertificate),
		ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	ln, err := app.bind("tcp", addr)
	if err != nil {
		return errkind.Wrap(errkind.Unavailable, err)
	}
	log.Info("ca serving", "addr", ln.Addr().String(), "trust_domain", ca.TrustDomain(), "roots_in_bundle", len(ca.Bundle()))
	errc := make(chan error, 1)
	go func() { errc <- hs.ServeTLS(ln, "", "") }()
	hup := make(chan os.Signal, 1)
	defer app.signals(hup, syscall.SIGHUP)()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := caDirStamp(dir)
	for {
		select {
		case err := <-errc:
			log.Error("ca stopped", "err", err)
			return err
		case <-hup:
		case <-tick.C:
			if caDirStamp(dir) == last {
				continue
			}
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := hs.Shutdown(sctx)
			log.Info("ca stopped", "reason", context.Cause(ctx).Error(), "clean", err == nil)
			return err
		}
		// The stamp is taken before loading: a rotation still being written changes it again,
		// so a load that saw half of it is retried on the next tick.
		last = caDirStamp(dir)
		next, err := identity.Load(dir, pass)
		if err != nil {
			log.Error("ca reload failed; still serving the previous CA", "err", err)
			continue
		}
		srv.SetCA(next)
		if err := src.Renew(ctx); err != nil {
			log.Error("api certificate reissue failed; keeping the previous one", "err", err)
		}
		log.Info("ca reloaded", "roots_in_bundle", len(next.Bundle()), "cross_signed", len(next.CrossCertificates()) > 0)
	}
}

// caDirStamp summarizes the files a rotation or a prune rewrites.
func caDirStamp(dir string) string {
	var b strings.Builder
	for _, name := range []string{"bundle.pem", "intermediate.crt", "intermediate-cross.crt"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			fmt.Fprintf(&b, "%d/%d;", fi.ModTime().UnixNano(), fi.Size())
		} else {
			b.WriteString("-;")
		}
	}
	return b.String()
}

func newReviewer(apiServer, caFile, credFile string, audiences []string) (*identity.TokenReviewer, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--k8s-ca-file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("--k8s-ca-file: no certificates")
	}
	cred, err := os.ReadFile(credFile)
	if err != nil {
		return nil, fmt.Errorf("--k8s-token-file: %w", err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}}}
	return &identity.TokenReviewer{APIServer: apiServer, Client: client, Credential: strings.TrimSpace(string(cred)), Audiences: audiences}, nil
}
