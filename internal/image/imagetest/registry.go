package imagetest

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// RegistryBinary is where Debian's docker-registry package installs the registry.
const RegistryBinary = "/usr/bin/docker-registry"

// CA is a test certificate authority and a server certificate for 127.0.0.1 it issued.
type CA struct {
	Pool    *x509.CertPool
	CertPEM []byte // the CA's certificate
	Cert    *x509.Certificate
	Key     *ecdsa.PrivateKey
	// ServerCert and ServerKey are PEM files of a certificate for 127.0.0.1 and ::1.
	ServerCert, ServerKey string
}

// NewCA makes a CA and a loopback server certificate, written under dir.
func NewCA(t testing.TB, dir string) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "palisade test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &CA{Pool: x509.NewCertPool(), Cert: cert, Key: key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	ca.Pool.AddCert(cert)

	skey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	stmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	sder, err := x509.CreateCertificate(rand.Reader, stmpl, cert, &skey.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	skeyDER, err := x509.MarshalECPrivateKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	ca.ServerCert = filepath.Join(dir, "server.pem")
	ca.ServerKey = filepath.Join(dir, "server-key.pem")
	writeFile(t, ca.ServerCert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sder}))
	writeFile(t, ca.ServerKey, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: skeyDER}))
	return ca
}

// Transport trusts only the CA.
func (ca *CA) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS12}
	return t
}

// StartTLSServer serves h over TLS on loopback with a certificate from the CA (valid for
// 127.0.0.1, ::1 and localhost), closed at the end of the test.
func (ca *CA) StartTLSServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(ca.ServerCert, ca.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func writeFile(t testing.TB, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Registry is a running docker-registry on loopback.
type Registry struct {
	Host     string // "127.0.0.1:PORT"
	CA       *CA    // nil when it serves plain HTTP
	User     string
	Password string
}

// RegistryOptions configure StartRegistry.
type RegistryOptions struct {
	TLS bool
	// Basic turns on htpasswd auth with a generated user and password.
	Basic bool
	// Token turns on token auth against the token server at this realm URL, trusting tokens
	// signed by the CA's key (see TokenServer).
	Token *TokenAuth
	CA    *CA // with TLS: the CA to use; nil makes one
}

// TokenAuth is the registry side of the token flow.
type TokenAuth struct {
	Realm, Service, Issuer string
}

// StartRegistry starts docker-registry with a fresh storage directory and stops it at the end of
// the test. It skips the test, saying why, when the binary is absent (`.ci/run` installs it).
func StartRegistry(t testing.TB, o RegistryOptions) *Registry {
	t.Helper()
	if _, err := os.Stat(RegistryBinary); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is absent, and CI must run the real-registry tests (.ci/run installs docker-registry)", RegistryBinary)
		}
		t.Skipf("%s is absent (apt-get install docker-registry): skipping the real-registry test", RegistryBinary)
	}
	dir := t.TempDir()
	port := freePort(t)
	r := &Registry{Host: fmt.Sprintf("127.0.0.1:%d", port)}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "version: 0.1\nlog:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: true\n")
	fmt.Fprintf(&cfg, "storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n", filepath.Join(dir, "data"))
	fmt.Fprintf(&cfg, "http:\n  addr: %s\n  secret: palisade-test\n", r.Host)
	if o.TLS {
		r.CA = o.CA
		if r.CA == nil {
			r.CA = NewCA(t, dir)
		}
		fmt.Fprintf(&cfg, "  tls:\n    certificate: %s\n    key: %s\n", r.CA.ServerCert, r.CA.ServerKey)
	}
	switch {
	case o.Basic:
		r.User, r.Password = "palisade", "s3cret-"+fmt.Sprint(port)
		hash, err := bcrypt.GenerateFromPassword([]byte(r.Password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		htpasswd := filepath.Join(dir, "htpasswd")
		writeFile(t, htpasswd, []byte(r.User+":"+string(hash)+"\n"))
		fmt.Fprintf(&cfg, "auth:\n  htpasswd:\n    realm: palisade-test\n    path: %s\n", htpasswd)
	case o.Token != nil:
		bundle := filepath.Join(dir, "token-ca.pem")
		writeFile(t, bundle, r.CA.CertPEM)
		fmt.Fprintf(&cfg, "auth:\n  token:\n    realm: %s\n    service: %s\n    issuer: %s\n    rootcertbundle: %s\n",
			o.Token.Realm, o.Token.Service, o.Token.Issuer, bundle)
	}
	cfgPath := filepath.Join(dir, "config.yml")
	writeFile(t, cfgPath, []byte(cfg.String()))

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, RegistryBinary, "serve", cfgPath)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		cancel()
		<-done
	})
	// The registry says "listening on ADDR" once it accepts connections: wait for that line,
	// not for a time.
	ready := make(chan error, 1)
	go func() {
		defer close(done)
		var log []string
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if !sent {
				log = append(log, line)
				if strings.Contains(line, "listening on") {
					ready <- nil
					sent = true
				}
			}
		}
		err := cmd.Wait()
		if !sent {
			ready <- fmt.Errorf("docker-registry exited before listening: %v\n%s", err, strings.Join(log, "\n"))
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("docker-registry did not start listening within 30s")
	}
	return r
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// DockerConfig writes a docker config.json giving user:password for host in a new directory,
// points DOCKER_CONFIG at it for the test, and returns the directory.
func DockerConfig(t *testing.T, host, user, password string) string {
	t.Helper()
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	writeFile(t, filepath.Join(dir, "config.json"), fmt.Appendf(nil, `{"auths": {%q: {"auth": %q}}}`, host, auth))
	t.Setenv("DOCKER_CONFIG", dir)
	return dir
}
