// Package compose checks Docker Compose files: privileged services, host namespaces, runtime
// socket and sensitive host mounts, credentials in environment, ports published on every
// interface. Services are decoded into a small typed model with their YAML nodes kept, so each
// finding points at the offending line.
package compose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
	"github.com/palisade-sec/palisade/internal/iac/yamlpos"
)

// Project is one Compose file.
type Project struct {
	Path     string
	Services []Service
}

// Service is the part of a Compose service the checks read.
type Service struct {
	Name        string
	Image       string   `yaml:"image"`
	Privileged  bool     `yaml:"privileged"`
	NetworkMode string   `yaml:"network_mode"`
	PID         string   `yaml:"pid"`
	IPC         string   `yaml:"ipc"`
	User        string   `yaml:"user"`
	ReadOnly    bool     `yaml:"read_only"`
	CapAdd      []string `yaml:"cap_add"`
	SecurityOpt []string `yaml:"security_opt"`
	Devices     []string `yaml:"devices"`
	Volumes     []Mount  `yaml:"volumes"`
	Ports       []Port   `yaml:"ports"`
	Environment []EnvVar `yaml:"-"`
	node        *yaml.Node
}

// Mount is one volume entry, short ("./src:/dst:ro") or long syntax.
type Mount struct {
	Type   string `yaml:"type"`
	Source string `yaml:"source"`
	Target string `yaml:"target"`
}

// UnmarshalYAML reads the short or the long volume syntax.
func (m *Mount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		parts := strings.Split(n.Value, ":")
		if len(parts) >= 2 {
			m.Source, m.Target = parts[0], parts[1]
		} else {
			m.Target = parts[0]
		}
		m.Type = "volume"
		if strings.HasPrefix(m.Source, "/") || strings.HasPrefix(m.Source, ".") || strings.HasPrefix(m.Source, "~") {
			m.Type = "bind"
		}
		return nil
	}
	type plain Mount
	return n.Decode((*plain)(m))
}

// Port is one published port, short ("127.0.0.1:8080:80") or long syntax.
type Port struct {
	HostIP    string `yaml:"host_ip"`
	Published string `yaml:"published"`
	Target    string `yaml:"target"`
}

// UnmarshalYAML reads the short or the long port syntax.
func (p *Port) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v := n.Value
		if i := strings.LastIndex(v, "/"); i >= 0 {
			v = v[:i] // protocol
		}
		parts := strings.Split(v, ":")
		switch len(parts) {
		case 1:
			p.Target = parts[0]
		case 2:
			p.Published, p.Target = parts[0], parts[1]
		default:
			p.HostIP = strings.Trim(strings.Join(parts[:len(parts)-2], ":"), "[]")
			p.Published, p.Target = parts[len(parts)-2], parts[len(parts)-1]
		}
		return nil
	}
	type plain Port
	return n.Decode((*plain)(p))
}

// EnvVar is one environment entry with its index in the source for positions.
type EnvVar struct {
	Name, Value string
	HasValue    bool
	path        yamlpos.Path
}

// Wants reports whether name is a Compose file by the usual naming conventions.
func Wants(name string) bool {
	base := strings.ToLower(path.Base(name))
	if !strings.HasSuffix(base, ".yml") && !strings.HasSuffix(base, ".yaml") {
		return false
	}
	return strings.HasPrefix(base, "docker-compose") || strings.HasPrefix(base, "compose.") || strings.HasPrefix(base, "compose-") || strings.HasPrefix(base, "podman-compose")
}

// LooksLikeCompose reports whether a YAML document's root is a Compose project: a services
// mapping whose entries name an image or a build.
func LooksLikeCompose(root *yaml.Node) bool {
	_, svcs := yamlpos.Lookup(root, "services")
	if svcs == nil || svcs.Kind != yaml.MappingNode || len(svcs.Content) == 0 {
		return false
	}
	for i := 1; i < len(svcs.Content); i += 2 {
		// Decoded, so that an image or build reached through an alias or a merge key
		// (`<<: *defaults`, as Compose files often write) counts as Compose reads it.
		var svc struct {
			Image, Build yaml.Node
		}
		_ = svcs.Content[i].Decode(&svc) // a service that does not decode has neither
		if svc.Image.Kind != 0 || svc.Build.Kind != 0 {
			return true
		}
	}
	return false
}

// Parse reads a Compose file. A file whose first document is not a Compose project yields nil.
func Parse(name string, data []byte) (*Project, error) {
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("parse compose file %s: %w", name, err)
	}
	if len(root.Content) == 0 || !LooksLikeCompose(root.Content[0]) {
		return nil, nil
	}
	_, svcs := yamlpos.Lookup(root.Content[0], "services")
	p := &Project{Path: name}
	var errs []error
	for i := 0; i+1 < len(svcs.Content); i += 2 {
		n := svcs.Content[i+1]
		s := Service{Name: svcs.Content[i].Value, node: n}
		if err := n.Decode(&s); err != nil {
			errs = append(errs, fmt.Errorf("service %s: %w", s.Name, err))
		}
		s.Environment = envVars(n)
		p.Services = append(p.Services, s)
	}
	if len(errs) > 0 {
		return p, fmt.Errorf("parse compose file %s: %w", name, errors.Join(errs...))
	}
	return p, nil
}

// envVars reads environment in its mapping or list form.
func envVars(svc *yaml.Node) []EnvVar {
	// Decoded, so that an environment reached through an alias or a merge key is read too.
	var holder struct{ Environment yaml.Node }
	_ = svc.Decode(&holder) // Parse reports a service that does not decode
	env := &holder.Environment
	if env.Kind == yaml.AliasNode {
		env = env.Alias
	}
	if env == nil || env.Kind == 0 {
		return nil
	}
	var out []EnvVar
	base := yamlpos.Path{}.Field("environment")
	switch env.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(env.Content); i += 2 {
			k, v := env.Content[i].Value, env.Content[i+1]
			out = append(out, EnvVar{Name: k, Value: v.Value, HasValue: v.Tag != "!!null", path: base.Field(k)})
		}
	case yaml.SequenceNode:
		for i, it := range env.Content {
			k, v, ok := strings.Cut(it.Value, "=")
			out = append(out, EnvVar{Name: k, Value: v, HasValue: ok, path: base.Item(i, k)})
		}
	}
	return out
}

// Check is one Compose check over a project; most look at one service at a time (written with
// eachService). Fail and Pass examples are Compose files flagged on exactly their "# want" lines.
type Check = check.Check[*Project, ProjectReport]

// Report records one problem at the field p of the service being checked.
type Report func(p yamlpos.Path, message string)

// ProjectReport records one problem at the field p of service s.
type ProjectReport func(s *Service, p yamlpos.Path, message string)

// eachService adapts a check of one service to a Check's Run: it runs for every service.
func eachService(fn func(s *Service, report Report)) func(*Project, ProjectReport) {
	return func(p *Project, report ProjectReport) {
		for i := range p.Services {
			s := &p.Services[i]
			fn(s, func(path yamlpos.Path, msg string) { report(s, path, msg) })
		}
	}
}

// Evaluate runs checks over every service of p.
func Evaluate(ctx context.Context, checks []Check, p *Project) ([]finding.Finding, []finding.Problem, error) {
	return check.Evaluate(ctx, checks, p, p.Path, func(r *finding.Rule, add func(finding.Finding)) ProjectReport {
		return func(s *Service, path yamlpos.Path, msg string) {
			field := path.String()
			add(finding.Finding{
				RuleID: r.ID, Title: r.Title, Description: msg, Severity: r.Severity,
				Confidence: finding.ConfidenceHigh, CWE: r.CWE,
				Location:    finding.Location{Path: p.Path, StartLine: yamlpos.Line(s.node, path)},
				Fingerprint: finding.Fingerprint(r.ID, p.Path, "service/"+s.Name+"/"+field),
				Remediation: r.Remediation, References: r.References, Scanner: "iac",
				Properties: map[string]string{"resource": "service/" + s.Name, "field": field},
			})
		}
	})
}
