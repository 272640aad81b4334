package identity

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/palisade-sec/palisade/internal/atomicfile"
)

// The files of a CA directory. Keys are 0600; certificates and the bundle are public (0644).
const (
	fileMeta      = "ca.json"
	fileRootCert  = "root.crt"
	fileRootKey   = "root.key"
	fileInterCert = "intermediate.crt"
	fileInterKey  = "intermediate.key"
	fileBundle    = "bundle.pem"
	// fileCross is the current intermediate cross-signed by the previous root (written by Rotate
	// when the previous root key is at hand, removed by PruneBundle).
	fileCross  = "intermediate-cross.crt"
	fileTokens = "join-tokens.json"
)

// DefaultSVIDTTL is the lifetime of an X.509-SVID unless asked otherwise: short, so a stolen key is
// useful for at most an hour and revocation lists are unnecessary.
const DefaultSVIDTTL = time.Hour

// MaxSVIDTTL bounds any requested SVID lifetime.
const MaxSVIDTTL = 24 * time.Hour

// InitOptions configures a new CA.
type InitOptions struct {
	TrustDomain     string
	Passphrase      Passphrase    // seals both private keys when set
	RootTTL         time.Duration // default 5 years
	IntermediateTTL time.Duration // default 1 year
	Force           bool          // overwrite an existing CA directory
	Now             func() time.Time
}

type meta struct {
	TrustDomain string `json:"trust_domain"`
}

// CA is a loaded certificate authority: the current intermediate signs SVIDs; the bundle holds
// every root a relying party must trust while old and new roots overlap.
type CA struct {
	trustDomain string
	root        *x509.Certificate
	inter       *x509.Certificate
	interKey    crypto.Signer
	bundle      []*x509.Certificate
	// cross holds the current intermediate signed by the previous root during a rotation's
	// overlap: sent with every SVID, it lets relying parties that still trust only the previous
	// root verify SVIDs (and the issuance API) of the new generation.
	cross []*x509.Certificate
	now   func() time.Time
}

// Init creates a CA in dir: a self-signed ECDSA P-256 root and an intermediate signed by it, whose
// name constraints permit only URIs in the trust domain.
func Init(dir string, opts InitOptions) (*CA, error) {
	if err := ValidateTrustDomain(opts.TrustDomain); err != nil {
		return nil, fmt.Errorf("init ca: %w", err)
	}
	if !opts.Force {
		if _, err := os.Stat(filepath.Join(dir, fileRootKey)); err == nil {
			return nil, fmt.Errorf("init ca: %s already holds a CA (use --force to replace it)", dir)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("init ca: %w", err)
	}
	m := meta{TrustDomain: opts.TrustDomain}
	mb, _ := json.MarshalIndent(m, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(dir, fileMeta), append(mb, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("init ca: %w", err)
	}
	return newGeneration(dir, opts, nil)
}

// Rotate creates a new root and intermediate in an existing CA directory. The previous roots stay in
// the bundle (until they expire or are pruned), so SVIDs issued before the rotation keep verifying
// while workloads renew onto the new chain. When the previous root's key is in the directory, the
// new intermediate is also cross-signed by the previous root and that certificate travels with
// every SVID, so a relying party that has not yet fetched the new bundle still accepts SVIDs (and
// the issuance API's certificate) of the new generation.
func Rotate(dir string, opts InitOptions) (*CA, error) {
	old, err := Load(dir, opts.Passphrase)
	if err != nil {
		return nil, fmt.Errorf("rotate ca: %w", err)
	}
	opts.TrustDomain = old.trustDomain
	oldRootKey, err := loadRootKey(dir, opts.Passphrase, old.root)
	if err != nil {
		return nil, fmt.Errorf("rotate ca: %w", err)
	}
	ca, err := newGeneration(dir, opts, old.bundle)
	if err != nil {
		return nil, fmt.Errorf("rotate ca: %w", err)
	}
	if oldRootKey == nil || !ca.now().Before(old.root.NotAfter) {
		return ca, nil // the previous root key lives offline, or the root expired: no cross-signature
	}
	cross, err := crossSign(ca.inter, old.root, oldRootKey)
	if err != nil {
		return nil, fmt.Errorf("rotate ca: cross-sign the new intermediate: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, fileCross), encodeCerts([]*x509.Certificate{cross}), 0o644); err != nil {
		return nil, fmt.Errorf("rotate ca: %w", err)
	}
	ca.cross = []*x509.Certificate{cross}
	return ca, nil
}

// loadRootKey reads the root key of dir if it is there (nil, nil when it has been moved offline)
// and checks that it belongs to root.
func loadRootKey(dir string, pass Passphrase, root *x509.Certificate) (crypto.Signer, error) {
	b, err := os.ReadFile(filepath.Join(dir, fileRootKey))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	key, err := ParsePrivateKey(b, pass)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fileRootKey, err)
	}
	if !publicKeysEqual(key.Public(), root.PublicKey) {
		return nil, fmt.Errorf("%s does not match %s", fileRootKey, fileRootCert)
	}
	return key, nil
}

// crossSign certifies inter's key and name under oldRoot, with the same constraints as inter and
// no longer than either lives.
func crossSign(inter, oldRoot *x509.Certificate, oldRootKey crypto.Signer) (*x509.Certificate, error) {
	tmpl := &x509.Certificate{
		Subject:               inter.Subject,
		NotBefore:             inter.NotBefore,
		NotAfter:              inter.NotAfter,
		KeyUsage:              inter.KeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		PermittedURIDomains:   inter.PermittedURIDomains,
	}
	if oldRoot.NotAfter.Before(tmpl.NotAfter) {
		tmpl.NotAfter = oldRoot.NotAfter
	}
	return createCert(tmpl, oldRoot, inter.PublicKey, oldRootKey)
}

// PruneBundle drops from the bundle every root except the current one, ending the overlap after a
// rotation once all workloads hold SVIDs from the new chain.
func PruneBundle(dir string, pass Passphrase) (*CA, error) {
	ca, err := Load(dir, pass)
	if err != nil {
		return nil, fmt.Errorf("prune bundle: %w", err)
	}
	ca.bundle = []*x509.Certificate{ca.root}
	// The cross-signature goes first: it chains to a root that is about to leave the bundle.
	if err := os.Remove(filepath.Join(dir, fileCross)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("prune bundle: %w", err)
	}
	ca.cross = nil
	if err := atomicfile.WriteFile(filepath.Join(dir, fileBundle), encodeCerts(ca.bundle), 0o644); err != nil {
		return nil, fmt.Errorf("prune bundle: %w", err)
	}
	return ca, nil
}

func newGeneration(dir string, opts InitOptions, prev []*x509.Certificate) (*CA, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if opts.RootTTL == 0 {
		opts.RootTTL = 5 * 365 * 24 * time.Hour
	}
	if opts.IntermediateTTL == 0 {
		opts.IntermediateTTL = 365 * 24 * time.Hour
	}
	if opts.IntermediateTTL > opts.RootTTL {
		return nil, errors.New("init ca: the intermediate cannot outlive the root")
	}
	g, err := generateChain(opts, now().Add(-time.Minute)) // tolerate small clock differences
	if err != nil {
		return nil, fmt.Errorf("init ca: %w", err)
	}
	// A cross-signature of the previous intermediate must not outlive it in the directory.
	if err := os.Remove(filepath.Join(dir, fileCross)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("init ca: %w", err)
	}
	bundle := []*x509.Certificate{g.root}
	for _, c := range prev {
		if now().Before(c.NotAfter) && !c.Equal(g.root) {
			bundle = append(bundle, c)
		}
	}
	if err := writeGeneration(dir, g, bundle, opts.Passphrase); err != nil {
		return nil, fmt.Errorf("init ca: %w", err)
	}
	return &CA{trustDomain: opts.TrustDomain, root: g.root, inter: g.inter, interKey: g.interKey, bundle: bundle, now: now}, nil
}

// generation is one root and the intermediate it signed.
type generation struct {
	root, inter       *x509.Certificate
	rootKey, interKey *ecdsa.PrivateKey
}

func generateChain(opts InitOptions, t time.Time) (*generation, error) {
	var g generation
	var err error
	if g.rootKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	rootTmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"Palisade"}, CommonName: "Palisade root CA " + opts.TrustDomain},
		NotBefore:             t,
		NotAfter:              t.Add(opts.RootTTL),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
	}
	if g.root, err = createCert(rootTmpl, rootTmpl, g.rootKey.Public(), g.rootKey); err != nil {
		return nil, fmt.Errorf("root: %w", err)
	}
	if g.interKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	interTmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"Palisade"}, CommonName: "Palisade intermediate CA " + opts.TrustDomain},
		NotBefore:             t,
		NotAfter:              t.Add(opts.IntermediateTTL),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		PermittedURIDomains:   []string{opts.TrustDomain},
	}
	if g.inter, err = createCert(interTmpl, g.root, g.interKey.Public(), g.rootKey); err != nil {
		return nil, fmt.Errorf("intermediate: %w", err)
	}
	return &g, nil
}

// writeGeneration stores keys (0600) before certificates so a crash never leaves certificates
// whose keys are missing.
func writeGeneration(dir string, g *generation, bundle []*x509.Certificate, pass Passphrase) error {
	rk, err := MarshalPrivateKey(g.rootKey, pass)
	if err != nil {
		return err
	}
	ik, err := MarshalPrivateKey(g.interKey, pass)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
		perm os.FileMode
	}{
		{fileRootKey, rk, 0o600},
		{fileInterKey, ik, 0o600},
		{fileRootCert, encodeCerts([]*x509.Certificate{g.root}), 0o644},
		{fileInterCert, encodeCerts([]*x509.Certificate{g.inter}), 0o644},
		{fileBundle, encodeCerts(bundle), 0o644},
	} {
		if err := atomicfile.WriteFile(filepath.Join(dir, f.name), f.data, f.perm); err != nil {
			return err
		}
	}
	return nil
}

// ReadTrustDomain returns the trust domain of the CA in dir, without reading any key; an error
// when dir holds no CA (no ca.json, or no intermediate certificate).
func ReadTrustDomain(dir string) (string, error) {
	m, err := readMeta(dir)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, fileInterCert)); err != nil {
		return "", fmt.Errorf("%s holds no CA: %w", dir, err)
	}
	return m.TrustDomain, nil
}

// readMeta reads and checks ca.json.
func readMeta(dir string) (meta, error) {
	mb, err := os.ReadFile(filepath.Join(dir, fileMeta))
	if errors.Is(err, os.ErrNotExist) {
		return meta{}, fmt.Errorf("%s holds no CA (no %s; run 'palisade ca init')", dir, fileMeta)
	}
	if err != nil {
		return meta{}, err
	}
	var m meta
	if err := json.Unmarshal(mb, &m); err != nil {
		return meta{}, fmt.Errorf("%s: %w", fileMeta, err)
	}
	if err := ValidateTrustDomain(m.TrustDomain); err != nil {
		return meta{}, fmt.Errorf("%s: %w", fileMeta, err)
	}
	return m, nil
}

// Load reads a CA directory written by Init or Rotate. The root key is not read: only the
// intermediate signs day to day, so the root key can live offline.
func Load(dir string, pass Passphrase) (*CA, error) {
	m, err := readMeta(dir)
	if err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	read := func(name string) ([]*x509.Certificate, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		c, err := ParseCertificates(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return c, nil
	}
	roots, err := read(fileRootCert)
	if err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	inters, err := read(fileInterCert)
	if err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	bundle, err := read(fileBundle)
	if err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	kb, err := os.ReadFile(filepath.Join(dir, fileInterKey))
	if err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	key, err := ParsePrivateKey(kb, pass)
	if err != nil {
		return nil, fmt.Errorf("load ca: %s: %w", fileInterKey, err)
	}
	if !publicKeysEqual(key.Public(), inters[0].PublicKey) {
		return nil, fmt.Errorf("load ca: %s does not match %s", fileInterKey, fileInterCert)
	}
	if err := inters[0].CheckSignatureFrom(roots[0]); err != nil {
		return nil, fmt.Errorf("load ca: %s is not signed by %s: %w", fileInterCert, fileRootCert, err)
	}
	cross, err := loadCross(dir, inters[0], roots[0], bundle)
	if err != nil {
		return nil, fmt.Errorf("load ca: %w", err)
	}
	return &CA{trustDomain: m.TrustDomain, root: roots[0], inter: inters[0], interKey: key, bundle: bundle, cross: cross, now: time.Now}, nil
}

// loadCross reads the optional cross-signed intermediate and checks that it certifies inter's key
// under a previous root that is still in the bundle.
func loadCross(dir string, inter, root *x509.Certificate, bundle []*x509.Certificate) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(filepath.Join(dir, fileCross))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	certs, err := ParseCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fileCross, err)
	}
	for _, c := range certs {
		if !publicKeysEqual(c.PublicKey, inter.PublicKey) || !bytes.Equal(c.RawSubject, inter.RawSubject) {
			return nil, fmt.Errorf("%s does not certify the key and name of %s", fileCross, fileInterCert)
		}
		signed := false
		for _, r := range bundle {
			if !r.Equal(root) && c.CheckSignatureFrom(r) == nil {
				signed = true
			}
		}
		if !signed {
			return nil, fmt.Errorf("%s is not signed by a previous root of %s", fileCross, fileBundle)
		}
	}
	return certs, nil
}

// TrustDomain returns the CA's trust domain.
func (ca *CA) TrustDomain() string { return ca.trustDomain }

// Bundle returns the roots relying parties must trust (current first).
func (ca *CA) Bundle() []*x509.Certificate { return append([]*x509.Certificate(nil), ca.bundle...) }

// BundlePEM returns the bundle as concatenated PEM certificates.
func (ca *CA) BundlePEM() []byte { return encodeCerts(ca.bundle) }

// Intermediate returns the current signing certificate, sent with every SVID as its chain.
func (ca *CA) Intermediate() *x509.Certificate { return ca.inter }

// CrossCertificates returns the current intermediate as cross-signed by the previous root during
// a rotation's overlap (none otherwise); they follow the intermediate in every issued chain.
func (ca *CA) CrossCertificates() []*x509.Certificate {
	return append([]*x509.Certificate(nil), ca.cross...)
}

// SVID is an issued X.509-SVID: the leaf followed by the intermediate that signed it (and, during
// a rotation's overlap, that intermediate cross-signed by the previous root).
type SVID struct {
	ID    ID
	Chain []*x509.Certificate
}

// ChainPEM returns the leaf and intermediate as PEM.
func (s *SVID) ChainPEM() []byte { return encodeCerts(s.Chain) }

// IssueSVID signs an X.509-SVID for id over the public key in csr, whose signature must verify.
// The leaf has exactly one URI SAN (id), is not a CA, has key usage digitalSignature only and
// extended key usage serverAuth+clientAuth, and lives ttl (default one hour, never past the
// intermediate). Whatever names the CSR asks for are ignored: the CA decides the identity.
func (ca *CA) IssueSVID(csr *x509.CertificateRequest, id ID, ttl time.Duration) (*SVID, error) {
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("issue svid: csr signature: %w", err)
	}
	return ca.issue(csr.PublicKey, id, nil, nil, ttl)
}

// IssueServerCertificate signs a certificate for a TLS server that is also identified by id and
// reachable at dnsNames and ips (the CA's own issuance API uses it).
func (ca *CA) IssueServerCertificate(pub crypto.PublicKey, id ID, dnsNames []string, ips []net.IP, ttl time.Duration) (*SVID, error) {
	return ca.issue(pub, id, dnsNames, ips, ttl)
}

func (ca *CA) issue(pub crypto.PublicKey, id ID, dnsNames []string, ips []net.IP, ttl time.Duration) (*SVID, error) {
	if !id.MemberOf(ca.trustDomain) {
		return nil, fmt.Errorf("issue svid: %q is not in trust domain %q", id, ca.trustDomain)
	}
	if id.Path() == "" {
		return nil, fmt.Errorf("issue svid: %q has no path; a workload ID needs one", id)
	}
	if ttl <= 0 {
		ttl = DefaultSVIDTTL
	}
	if ttl > MaxSVIDTTL {
		return nil, fmt.Errorf("issue svid: lifetime %s exceeds the maximum %s", ttl, MaxSVIDTTL)
	}
	if err := checkLeafKey(pub); err != nil {
		return nil, fmt.Errorf("issue svid: %w", err)
	}
	now := ca.now()
	notAfter := now.Add(ttl)
	if notAfter.After(ca.inter.NotAfter) {
		notAfter = ca.inter.NotAfter
	}
	if !now.Before(notAfter) {
		return nil, errors.New("issue svid: the intermediate has expired; rotate the CA")
	}
	uri := urlOf(id)
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"Palisade"}},
		NotBefore:             now.Add(-30 * time.Second),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
		URIs:                  []*url.URL{uri},
		DNSNames:              dnsNames,
		IPAddresses:           ips,
	}
	leaf, err := createCert(tmpl, ca.inter, pub, ca.interKey)
	if err != nil {
		return nil, fmt.Errorf("issue svid: %w", err)
	}
	chain := append([]*x509.Certificate{leaf, ca.inter}, ca.cross...)
	return &SVID{ID: id, Chain: chain}, nil
}

func checkLeafKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return fmt.Errorf("ecdsa curve %s is not accepted (P-256 or P-384)", k.Curve.Params().Name)
		}
	case interface{ Size() int }: // *rsa.PublicKey
		if k.Size()*8 < 2048 {
			return fmt.Errorf("rsa key of %d bits is too small (2048 minimum)", k.Size()*8)
		}
	default:
		if _, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok {
			return fmt.Errorf("unsupported public key type %T", pub)
		}
	}
	return nil
}

func createCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	if tmpl.IsCA {
		spki, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(spki)
		tmpl.SubjectKeyId = sum[:20]
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

func encodeCerts(certs []*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

// ParseCertificates decodes every CERTIFICATE block of a PEM file; other block types or trailing
// garbage are errors rather than silently skipped.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := bytes.TrimSpace(data)
	for n := 1; len(rest) > 0; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("pem block %d: not PEM", n)
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("pem block %d: type %q, want CERTIFICATE", n, block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pem block %d: %w", n, err)
		}
		out = append(out, c)
		rest = bytes.TrimSpace(rest)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificates")
	}
	return out, nil
}
