// Package custom loads users' own IaC policies — a YAML file of rules whose conditions are CEL
// expressions over `object`, the resource as JSON-like data — and evaluates them against every
// Kubernetes object a scan finds, beside the built-in checks and with the same findings, lines
// and fingerprints.
//
// A policy file is decoded strictly (unknown fields are errors) and every expression is compiled
// when the file is loaded, so a typo fails the scan up front with the file and line instead of
// silently never matching.
package custom

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/k8s"
	"github.com/palisade-sec/palisade/internal/policy"
	"github.com/palisade-sec/palisade/internal/report"
)

// File is the on-disk shape of a policy file.
type File struct {
	Policies []Spec `yaml:"policies"`
}

// Spec is one policy as written.
type Spec struct {
	ID          string   `yaml:"id"`
	Title       string   `yaml:"title"`
	Severity    string   `yaml:"severity"`
	Description string   `yaml:"description"`
	Remediation string   `yaml:"remediation"`
	Tags        []string `yaml:"tags"`
	// Kinds limits the policy to these object kinds; "Workload" stands for every kind with a
	// pod template. Empty means every kind.
	Kinds []string `yaml:"kinds"`
	// Expression must hold for a compliant object (Kubernetes ValidatingAdmissionPolicy's
	// convention): a finding is reported when it evaluates to false.
	Expression yaml.Node `yaml:"expression"`
	// Message describes a violation; MessageExpression, a CEL string expression, overrides it.
	Message           string    `yaml:"message"`
	MessageExpression yaml.Node `yaml:"messageExpression"`
	// Field is the dotted path the finding points at ("spec.template.spec"); default: the object.
	Field string `yaml:"field"`
}

// Policy is a loaded, compiled policy.
type Policy struct {
	Rule  finding.Rule
	kinds []string
	cond  *policy.Program
	msg   *policy.Program
	text  string
	field k8s.Path
	// Source is "file:line" of the policy's id, for problems found while evaluating it.
	Source string
}

// Set is every loaded policy; it is safe for concurrent evaluation.
type Set struct {
	Policies []*Policy
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// NewEnv returns the CEL environment policies compile against: one variable, object.
func NewEnv() (*policy.Env, error) {
	return policy.NewEnv(0, policy.Var{Name: "object", Type: policy.Object})
}

// Load reads and compiles one policy file. builtinIDs are IDs a custom policy may not reuse.
func Load(env *policy.Env, name string, data []byte, builtinIDs []string) ([]*Policy, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("load policies %s: file is empty", name)
		}
		return nil, fmt.Errorf("load policies %s: %w", name, err)
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root) // parsed above already; used for the lines of each policy
	lines := policyLines(&root)
	var out []*Policy
	seen := map[string]bool{}
	for i, s := range f.Policies {
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		where := fmt.Sprintf("%s:%d", name, line)
		p, err := compile(env, s, where)
		if err != nil {
			return nil, fmt.Errorf("load policies %s: %w", name, err)
		}
		if seen[p.Rule.ID] || slices.Contains(builtinIDs, p.Rule.ID) {
			return nil, fmt.Errorf("load policies %s: line %d: policy id %q is already used", name, line, p.Rule.ID)
		}
		seen[p.Rule.ID] = true
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("load policies %s: no policies (want a top-level 'policies' list)", name)
	}
	return out, nil
}

// policyLines returns the line of each item of the top-level policies list.
func policyLines(root *yaml.Node) []int {
	if len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "policies" {
			var out []int
			for _, it := range m.Content[i+1].Content {
				out = append(out, it.Line)
			}
			return out
		}
	}
	return nil
}

func compile(env *policy.Env, s Spec, where string) (*Policy, error) {
	line := where[strings.LastIndex(where, ":")+1:]
	switch {
	case !idRE.MatchString(s.ID):
		return nil, fmt.Errorf("line %s: id %q must be 2-63 lowercase letters, digits and dashes", line, s.ID)
	case s.Title == "":
		return nil, fmt.Errorf("line %s: policy %s has no title", line, s.ID)
	case s.Expression.Value == "":
		return nil, fmt.Errorf("line %s: policy %s has no expression", line, s.ID)
	}
	sev, err := finding.ParseSeverity(s.Severity)
	if err != nil {
		return nil, fmt.Errorf("line %s: policy %s: %w", line, s.ID, err)
	}
	cond, err := env.Compile(s.Expression.Value, policy.Bool)
	if err != nil {
		return nil, exprError(s.ID, "expression", &s.Expression, err)
	}
	p := &Policy{
		Rule: finding.Rule{ID: s.ID, Title: s.Title, Severity: sev, Description: s.Description,
			Remediation: s.Remediation, Tags: append([]string{"custom"}, s.Tags...)},
		kinds: s.Kinds, cond: cond, text: s.Message, Source: where,
	}
	if p.text == "" {
		p.text = s.Title
	}
	if s.MessageExpression.Value != "" {
		if p.msg, err = env.Compile(s.MessageExpression.Value, policy.String); err != nil {
			return nil, exprError(s.ID, "messageExpression", &s.MessageExpression, err)
		}
	}
	if s.Field != "" {
		p.field = k8s.Path{}.Field(strings.Split(s.Field, ".")...)
	}
	return p, nil
}

// exprError places a CEL compile error at its line in the policy file: block scalars (| and >)
// start on the line after their key.
func exprError(id, field string, n *yaml.Node, err error) error {
	var ce *policy.CompileError
	if !errors.As(err, &ce) || len(ce.Errors) == 0 {
		return fmt.Errorf("line %d: policy %s: %s: %w", n.Line, id, field, err)
	}
	base := n.Line
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		base++
	}
	first := ce.Errors[0]
	return fmt.Errorf("line %d: policy %s: %s: column %d: %s: %w", base+first.Line-1, id, field, first.Column, first.Message, err)
}

func (p *Policy) applies(kind string) bool {
	if len(p.kinds) == 0 || slices.Contains(p.kinds, kind) {
		return true
	}
	return k8s.IsWorkload(kind) && slices.Contains(p.kinds, "Workload")
}

// Rules lists the rules of the set's policies.
func (s *Set) Rules() []finding.Rule {
	out := make([]finding.Rule, 0, len(s.Policies))
	for _, p := range s.Policies {
		out = append(out, p.Rule)
	}
	return out
}

// Evaluate runs every policy over every object it applies to. An expression that fails to
// evaluate on an object (a field it reads without has()) is a Problem naming the policy and the
// object, never a silent pass.
func (s *Set) Evaluate(ctx context.Context, rs []*k8s.Resource) ([]finding.Finding, []report.Problem, error) {
	var (
		out      []finding.Finding
		problems []report.Problem
	)
	if s == nil || len(s.Policies) == 0 {
		return nil, nil, nil
	}
	for _, r := range rs {
		if err := ctx.Err(); err != nil {
			return out, problems, err
		}
		var vars map[string]any
		for _, p := range s.Policies {
			if !p.applies(r.Kind) {
				continue
			}
			if vars == nil {
				obj, err := r.Map()
				if err != nil {
					problems = append(problems, report.Problem{Path: r.File, Line: r.Line(nil), Scanner: "iac", Message: fmt.Sprintf("custom policies: %s: %v", r.ID(), err)})
					break
				}
				vars = map[string]any{"object": obj}
			}
			ok, err := p.cond.EvalBool(ctx, vars)
			if err != nil {
				problems = append(problems, report.Problem{Path: r.File, Line: r.Line(nil), Scanner: "iac",
					Message: fmt.Sprintf("policy %s (%s) on %s: %v", p.Rule.ID, p.Source, r.ID(), err)})
				continue
			}
			if ok {
				continue
			}
			msg := p.text
			if p.msg != nil {
				if v, err := p.msg.Eval(ctx, vars); err == nil {
					msg = fmt.Sprint(v)
				}
			}
			out = append(out, k8s.NewFinding(&p.Rule, r, p.field, fmt.Sprintf("%s: %s", r.ID(), msg)))
		}
	}
	return out, problems, nil
}
