package gateway

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/boundedread"
	"github.com/palisade-sec/palisade/internal/config"
	"github.com/palisade-sec/palisade/internal/config/strictyaml"
	"github.com/palisade-sec/palisade/internal/identity"
	"github.com/palisade-sec/palisade/internal/jwtauth"
)

// Modes of operation.
const (
	ModeEdge    = "edge"    // public TLS in front of many services, routed by host and path
	ModeSidecar = "sidecar" // mTLS in front of one service, plus an outbound mTLS-originating listener
)

// Values of Config.HTTP1Server.
const (
	HTTP1Palisade = "palisade"
	HTTP1NetHTTP  = "net/http"
)

// Config is gateway.yaml. Unknown keys are errors.
type Config struct {
	Mode     string         `yaml:"mode"`
	Identity IdentityConfig `yaml:"identity"`
	Inbound  InboundConfig  `yaml:"inbound"`
	JWT      JWTConfig      `yaml:"jwt"`
	Routes   []RouteConfig  `yaml:"routes"`
	Outbound OutboundConfig `yaml:"outbound"`
	Audit    AuditConfig    `yaml:"audit"`
	Admin    AdminConfig    `yaml:"admin"`
	Timeouts TimeoutsConfig `yaml:"timeouts"`
	Limits   LimitsConfig   `yaml:"limits"`
	// HTTP1Server picks what serves HTTP/1.x on the inbound and outbound listeners: "palisade"
	// (default; net/http's parser and handler interface without its per-request machinery) or
	// "net/http" (the standard library's server). HTTP/2 is always net/http's.
	HTTP1Server string `yaml:"http1_server"`
}

// IdentityConfig names the trust domain, its bundle and where this gateway's own SVID comes from.
type IdentityConfig struct {
	TrustDomain string     `yaml:"trust_domain"`
	BundleFile  string     `yaml:"bundle_file"`
	SVID        SVIDConfig `yaml:"svid"`
}

// SVIDConfig is either a pair of files kept current by something else (re-read when they change)
// or a Palisade CA the gateway enrols with (a join token the first time, its SVID afterwards) and
// renews from at half-life.
type SVIDConfig struct {
	CertFile      string `yaml:"cert_file"`
	KeyFile       string `yaml:"key_file"`
	CAURL         string `yaml:"ca_url"`
	JoinTokenFile string `yaml:"join_token_file"`
	// BundleRefresh is how often an enrolled gateway asks the CA for its trust bundle, on top
	// of the bundle every SVID answer carries (default 5m, at least 10s).
	BundleRefresh time.Duration `yaml:"bundle_refresh"`
}

// InboundConfig is the listener that receives traffic.
type InboundConfig struct {
	Listen string `yaml:"listen"`
	// TLS is the server certificate for edge mode (a public certificate). Omitted in sidecar mode,
	// where the gateway serves its SVID.
	TLS TLSFiles `yaml:"tls"`
	// ClientCerts: "require" (sidecar default) refuses handshakes without a valid SVID; "optional"
	// (edge default) accepts clients without a certificate but still refuses invalid ones.
	ClientCerts string `yaml:"client_certs"`
}

// TLSFiles is a certificate chain and key in PEM files.
type TLSFiles struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// JWTConfig says where tokens are read from and which issuers are trusted.
type JWTConfig struct {
	// Header carrying the token; "Authorization" expects the Bearer scheme. Default Authorization.
	Header string `yaml:"header"`
	// Cookie, when set, is read if the header is absent.
	Cookie  string         `yaml:"cookie"`
	Issuers []IssuerConfig `yaml:"issuers"`
}

// IssuerConfig mirrors jwtauth.IssuerConfig in YAML.
type IssuerConfig struct {
	Issuer                 string        `yaml:"issuer"`
	JWKSURL                string        `yaml:"jwks_url"`
	Algorithms             []string      `yaml:"algorithms"`
	Audiences              []string      `yaml:"audiences"`
	AudienceOptionalUnsafe bool          `yaml:"audience_optional_unsafe"`
	Skew                   time.Duration `yaml:"skew"`
	MaxLifetime            time.Duration `yaml:"max_lifetime"`
	CacheTTL               time.Duration `yaml:"cache_ttl"`
	MinRefetch             time.Duration `yaml:"min_refetch"`
}

// RouteConfig is one inbound route: what it matches, who must be authenticated how, the CEL
// expression that must allow the request, and where it goes.
type RouteConfig struct {
	Name    string   `yaml:"name"`
	Host    string   `yaml:"host"`
	Methods []string `yaml:"methods"`
	// Path is a pattern: literal segments, "*" for one segment, a final "**" for any rest.
	Path string `yaml:"path"`
	// Require lists the authentications that must succeed: "mtls", "jwt".
	Require []string `yaml:"require"`
	// Allow is a CEL expression over source, jwt and request; a route without one denies all.
	Allow string `yaml:"allow"`
	// AuditOnly logs what would be denied but lets it pass (for rolling out a policy).
	AuditOnly bool `yaml:"audit_only"`
	// Upstream is http://… (a local service) or https://… (mTLS with this gateway's SVID, the
	// server must present UpstreamSPIFFEID).
	Upstream         string `yaml:"upstream"`
	UpstreamSPIFFEID string `yaml:"upstream_spiffe_id"`
	// MaxRequestBody overrides limits.max_request_body for this route (0: the global limit).
	MaxRequestBody config.Size `yaml:"max_request_body"`
	// Upgrades names the protocols a request on this route may switch to (HTTP/1.1 Upgrade);
	// any other upgrade request is refused. "websocket" is the only one known; "h2c" is never
	// allowed (it would tunnel HTTP/2 requests past routing and authorization).
	Upgrades []string `yaml:"upgrades"`
	// AllowEncodedSlash lets a request path on this route carry %2F (an encoded slash), for
	// APIs that put identifiers with slashes in one segment. Without it such a path is refused.
	AllowEncodedSlash bool `yaml:"allow_encoded_slash"`
}

// OutboundConfig is the sidecar's listener for the local application's outgoing calls.
type OutboundConfig struct {
	Listen   string          `yaml:"listen"`
	Services []ServiceConfig `yaml:"services"`
}

// ServiceConfig maps the Host the application calls to a peer sidecar and its expected identity.
type ServiceConfig struct {
	Host     string `yaml:"host"`
	Upstream string `yaml:"upstream"`
	SPIFFEID string `yaml:"spiffe_id"`
	// Upgrades names the protocols the application may switch to on calls to this service, as
	// RouteConfig.Upgrades.
	Upgrades []string `yaml:"upgrades"`
}

// AuditConfig says where audit records go: a file path, or "-" for stdout.
type AuditConfig struct {
	Path string `yaml:"path"`
	// FailClosed refuses requests (503, reason audit_unavailable) while audit records cannot be
	// written, instead of serving requests whose records may be lost.
	FailClosed bool `yaml:"fail_closed"`
}

// AdminConfig is the listener for /metrics, /healthz and /readyz.
type AdminConfig struct {
	Listen string `yaml:"listen"`
	// Pprof also serves Go runtime profiles under /debug/pprof/ on the admin listener (which
	// must be loopback). Off by default: a profile reveals timing and memory of live traffic.
	Pprof bool `yaml:"pprof"`
}

// maxConfigSize bounds the file read.
const maxConfigSize = 4 << 20

// LoadConfig reads and validates a gateway.yaml. It reads at most one byte more than
// maxConfigSize, so a path to a device or a pipe that never ends is refused, not read whole.
func LoadConfig(path string) (*Config, error) {
	b, err := boundedread.Path(path, maxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("load gateway config: %w", err)
	}
	return ParseConfig(path, b)
}

// ParseConfig decodes data with the one strict decoder (unknown keys, wrong types, duplicate keys
// and trailing documents are errors), validates it, and only then fills in defaults. Every error
// is a *strictyaml.Error, "file:line:col: field: message"; validation reports all the problems it
// finds, joined.
func ParseConfig(file string, data []byte) (*Config, error) {
	if len(data) > maxConfigSize {
		return nil, &strictyaml.Error{File: file, Err: errors.New("larger than 4 MiB")}
	}
	var cfg Config
	fields, err := strictyaml.Decode(file, data, &cfg)
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, &strictyaml.Error{File: file, Pos: strictyaml.Pos{Line: 1, Column: 1}, Err: errors.New("empty file")}
	}
	v := &validator{file: file, fields: fields}
	cfg.validate(v)
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	cfg.applyDefaults()
	return &cfg, nil
}

// applyDefaults fills in what the file left out, after validation has accepted what it set.
func (c *Config) applyDefaults() {
	if c.Identity.SVID.BundleRefresh == 0 {
		c.Identity.SVID.BundleRefresh = DefaultBundleRefresh
	}
	if c.HTTP1Server == "" {
		c.HTTP1Server = HTTP1Palisade
	}
	if c.Inbound.ClientCerts == "" {
		c.Inbound.ClientCerts = map[string]string{ModeEdge: "optional", ModeSidecar: "require"}[c.Mode]
	}
	if c.JWT.Header == "" {
		c.JWT.Header = "Authorization"
	}
	c.Timeouts = c.Timeouts.withDefaults()
}

// validator collects semantic errors at the position of the offending field.
type validator struct {
	file   string
	fields strictyaml.Fields
	errs   []error
	rules  *ruleCompiler
}

// errorf records an error at field path (e.g. "routes", 2, "upstream"), or at its closest
// enclosing value when the file does not set it.
func (v *validator) errorf(path []any, format string, args ...any) {
	field := fieldName(path)
	v.errs = append(v.errs, &strictyaml.Error{File: v.file, Pos: v.fields.Nearest(field), Field: field, Err: fmt.Errorf(format, args...)})
}

func fieldName(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
		case int:
			b.WriteString("[" + strconv.Itoa(p) + "]")
		}
	}
	return b.String()
}

func (c *Config) validate(v *validator) {
	switch c.Mode {
	case ModeEdge, ModeSidecar:
	case "":
		v.errorf([]any{"mode"}, "required: edge or sidecar")
	default:
		v.errorf([]any{"mode"}, "%q: want edge or sidecar", c.Mode)
	}
	if err := identity.ValidateTrustDomain(c.Identity.TrustDomain); err != nil {
		v.errorf([]any{"identity", "trust_domain"}, "%v", err)
	}
	if c.Identity.BundleFile == "" {
		v.errorf([]any{"identity", "bundle_file"}, "required: the trust bundle that client and upstream SVIDs must chain to")
	}
	s := c.Identity.SVID
	files, ca := s.CertFile != "" || s.KeyFile != "", s.CAURL != ""
	switch {
	case files && ca:
		v.errorf([]any{"identity", "svid"}, "set either cert_file/key_file or ca_url, not both")
	case files && (s.CertFile == "" || s.KeyFile == ""):
		v.errorf([]any{"identity", "svid"}, "cert_file and key_file go together")
	case ca && !strings.HasPrefix(s.CAURL, "https://"):
		v.errorf([]any{"identity", "svid", "ca_url"}, "must be https://")
	case !files && !ca:
		v.errorf([]any{"identity", "svid"}, "required: cert_file/key_file or ca_url")
	}
	switch {
	case s.BundleRefresh == 0:
	case !ca:
		v.errorf([]any{"identity", "svid", "bundle_refresh"}, "only applies with ca_url (a gateway that enrols with the CA)")
	case s.BundleRefresh < 10*time.Second:
		v.errorf([]any{"identity", "svid", "bundle_refresh"}, "%s is too often; at least 10s", s.BundleRefresh)
	}
	if c.Inbound.Listen == "" {
		v.errorf([]any{"inbound", "listen"}, "required")
	}
	switch c.HTTP1Server {
	case "", HTTP1Palisade, HTTP1NetHTTP:
	default:
		v.errorf([]any{"http1_server"}, "%q: want %s or %s", c.HTTP1Server, HTTP1Palisade, HTTP1NetHTTP)
	}
	switch c.Inbound.ClientCerts {
	case "", "require", "optional":
	default:
		v.errorf([]any{"inbound", "client_certs"}, "%q: want require or optional", c.Inbound.ClientCerts)
	}
	if (c.Inbound.TLS.CertFile == "") != (c.Inbound.TLS.KeyFile == "") {
		v.errorf([]any{"inbound", "tls"}, "cert_file and key_file go together")
	}
	if c.Mode == ModeEdge && c.Inbound.TLS.CertFile == "" {
		v.errorf([]any{"inbound", "tls"}, "edge mode needs the public server certificate (cert_file, key_file)")
	}
	c.validateIssuers(v)
	c.validateRoutes(v)
	c.validateTimeouts(v)
	c.validateOutbound(v)
	if c.Admin.Listen != "" && !isLoopbackAddr(c.Admin.Listen) {
		v.errorf([]any{"admin", "listen"}, "%q: the admin listener serves metrics unauthenticated; bind it to loopback", c.Admin.Listen)
	}
}

func (c *Config) validateIssuers(v *validator) {
	seen := map[string]bool{}
	for i, is := range c.JWT.Issuers {
		p := []any{"jwt", "issuers", i}
		if seen[is.Issuer] {
			v.errorf(append(p, "issuer"), "%q listed twice", is.Issuer)
		}
		seen[is.Issuer] = true
		if _, err := jwtauth.NewValidator([]jwtauth.IssuerConfig{is.toJWT()}, nil); err != nil {
			v.errorf(p, "%v", err)
		}
	}
}

func (is IssuerConfig) toJWT() jwtauth.IssuerConfig {
	return jwtauth.IssuerConfig{Issuer: is.Issuer, JWKSURL: is.JWKSURL, Algorithms: is.Algorithms, Audiences: is.Audiences,
		AudienceOptionalUnsafe: is.AudienceOptionalUnsafe, Skew: is.Skew, MaxLifetime: is.MaxLifetime, CacheTTL: is.CacheTTL, MinRefetch: is.MinRefetch}
}

func (c *Config) validateRoutes(v *validator) {
	names := map[string]bool{}
	if len(c.Routes) == 0 {
		v.errorf([]any{"routes"}, "at least one route is required (everything else is denied)")
	}
	for i := range c.Routes {
		r := &c.Routes[i]
		p := []any{"routes", i}
		if r.Name == "" {
			v.errorf(append(p, "name"), "required")
		} else if names[r.Name] {
			v.errorf(append(p, "name"), "%q is used by two routes", r.Name)
		}
		names[r.Name] = true
		if _, err := compilePattern(r.Path); err != nil {
			v.errorf(append(p, "path"), "%v", err)
		}
		for j, m := range r.Methods {
			if m == "" || strings.ToUpper(m) != m {
				v.errorf(append(p, "methods", j), "%q: methods are upper case", m)
			}
		}
		for j, req := range r.Require {
			switch req {
			case "mtls":
			case "jwt":
				if len(c.JWT.Issuers) == 0 {
					v.errorf(append(p, "require", j), "jwt is required but no jwt.issuers are configured")
				}
			default:
				v.errorf(append(p, "require", j), "%q: want mtls or jwt", req)
			}
		}
		if strings.TrimSpace(r.Allow) == "" {
			v.errorf(append(p, "allow"), "required: a CEL expression (write \"true\" to allow every authenticated caller)")
		} else if err := v.compileRule(r.Allow); err != nil {
			v.errorf(append(p, "allow"), "%v", err)
		}
		v.checkUpstream(p, r.Upstream, r.UpstreamSPIFFEID, "upstream", "upstream_spiffe_id", c.Identity.TrustDomain)
		v.checkUpgrades(append(p, "upgrades"), r.Upgrades)
	}
}

// upgradeProtocols are the protocols a route may let a request switch to. h2c is not one of
// them and cannot be: after the switch every request on the connection would pass unseen.
var upgradeProtocols = []string{"websocket"}

func (v *validator) checkUpgrades(p []any, names []string) {
	for i, n := range names {
		switch {
		case strings.EqualFold(n, "h2c"):
			v.errorf(append(p, i), "h2c is never allowed: it would tunnel HTTP/2 requests past routing, authorization and audit")
		case !slices.Contains(upgradeProtocols, n):
			v.errorf(append(p, i), "%q: unknown protocol; want one of %s", n, strings.Join(upgradeProtocols, ", "))
		}
	}
}

func (v *validator) compileRule(expr string) error {
	if v.rules == nil {
		var err error
		if v.rules, err = newRuleCompiler(); err != nil {
			return err
		}
	}
	_, err := v.rules.compile(expr)
	return err
}

func (c *Config) validateOutbound(v *validator) {
	o := c.Outbound
	if o.Listen == "" && len(o.Services) == 0 {
		return
	}
	if c.Mode != ModeSidecar {
		v.errorf([]any{"outbound"}, "only sidecar mode has an outbound listener")
	}
	if !isLoopbackAddr(o.Listen) {
		v.errorf([]any{"outbound", "listen"}, "%q: the outbound listener lends this workload's identity to whoever connects; bind it to loopback", o.Listen)
	}
	hosts := map[string]bool{}
	for i, s := range o.Services {
		p := []any{"outbound", "services", i}
		if s.Host == "" || hosts[s.Host] {
			v.errorf(append(p, "host"), "%q: required and unique", s.Host)
		}
		hosts[s.Host] = true
		if !strings.HasPrefix(s.Upstream, "https://") {
			v.errorf(append(p, "upstream"), "%q: outbound calls are mTLS, want https://", s.Upstream)
			continue
		}
		v.checkUpstream(p, s.Upstream, s.SPIFFEID, "upstream", "spiffe_id", c.Identity.TrustDomain)
		v.checkUpgrades(append(p, "upgrades"), s.Upgrades)
	}
}

func (v *validator) checkUpstream(p []any, upstream, id, upField, idField, td string) {
	u, err := url.Parse(upstream)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		v.errorf(append(p, upField), "%q: want http://host:port or https://host:port", upstream)
		return
	}
	if u.Scheme == "http" && id != "" {
		v.errorf(append(p, idField), "only meaningful with an https upstream")
	}
	if u.Scheme == "https" {
		sid, err := identity.ParseID(id)
		if err != nil {
			v.errorf(append(p, idField), "required for an https upstream: %v", err)
		} else if !sid.MemberOf(td) {
			v.errorf(append(p, idField), "%q is not in trust domain %q", id, td)
		}
	}
}

func isLoopbackAddr(addr string) bool {
	host := addr
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		host = strings.Trim(addr[:i], "[]")
	}
	return host == "127.0.0.1" || host == "::1" || host == "localhost"
}
