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
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/config/strictyaml"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/k8s"
	"github.com/palisade-sec/palisade/internal/policy"
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
	Expression string `yaml:"expression"`
	// Message describes a violation; MessageExpression, a CEL string expression, overrides it.
	Message           string `yaml:"message"`
	MessageExpression string `yaml:"messageExpression"`
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

// validID reports an ID of 2-63 lowercase letters, digits and dashes, not starting with a dash.
// A loop, not a regular expression: `[a-z0-9-]{1,62}` compiles to 62 copies of the class,
// and a package-level regexp is compiled at every start of the binary, `palisade version` too.
func validID(id string) bool {
	if len(id) < 2 || len(id) > 63 || id[0] == '-' {
		return false
	}
	for i := range len(id) {
		if c := id[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// NewEnv returns the CEL environment policies compile against: one variable, object.
func NewEnv() (*policy.Env, error) {
	return policy.NewEnv(0, policy.Var{Name: "object", Type: policy.Object})
}

// Load reads and compiles one policy file. builtinIDs are IDs a custom policy may not reuse.
// The file is decoded by the one strict decoder of configuration files (strictyaml), and every
// error is in its one format, file:line:col: field: message.
func Load(env *policy.Env, name string, data []byte, builtinIDs []string) ([]*Policy, error) {
	var f File
	fields, err := strictyaml.Decode(name, data, &f)
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	src := &source{name: name, data: data, fields: fields}
	if len(fields) == 0 {
		return nil, src.errorf(strictyaml.Pos{Line: 1, Column: 1}, "", "file is empty")
	}
	if len(f.Policies) == 0 {
		return nil, src.errorf(src.pos("policies", ""), "policies", "no policies (want a top-level 'policies' list)")
	}
	var out []*Policy
	seen := map[string]bool{}
	for i, s := range f.Policies {
		p, err := src.compile(env, s, fmt.Sprintf("policies[%d]", i))
		if err != nil {
			return nil, err
		}
		if seen[p.Rule.ID] || slices.Contains(builtinIDs, p.Rule.ID) {
			field := fmt.Sprintf("policies[%d].id", i)
			return nil, src.errorf(src.pos(field, ""), field, "policy id %q is already used", p.Rule.ID)
		}
		seen[p.Rule.ID] = true
		out = append(out, p)
	}
	return out, nil
}

// source is a policy file being loaded: its name, bytes, and where each field was written.
type source struct {
	name   string
	data   []byte
	fields strictyaml.Fields
}

// pos returns where field was written or, when it was not, where fallback was.
func (s *source) pos(field, fallback string) strictyaml.Pos {
	if p, ok := s.fields[field]; ok {
		return p
	}
	return s.fields[fallback]
}

// errorf is a load error at p, in the one format of configuration errors.
func (s *source) errorf(p strictyaml.Pos, field, format string, args ...any) error {
	return fmt.Errorf("load policies: %w", &strictyaml.Error{File: s.name, Pos: p, Field: field, Err: fmt.Errorf(format, args...)})
}

// compile checks and compiles the policy written at item ("policies[3]").
func (s *source) compile(env *policy.Env, spec Spec, item string) (*Policy, error) {
	at := func(field, format string, args ...any) error {
		return s.errorf(s.pos(item+"."+field, item), item+"."+field, format, args...)
	}
	switch {
	case !validID(spec.ID):
		return nil, at("id", "id %q must be 2-63 lowercase letters, digits and dashes", spec.ID)
	case spec.Title == "":
		return nil, at("title", "policy %s has no title", spec.ID)
	case spec.Expression == "":
		return nil, at("expression", "policy %s has no expression", spec.ID)
	}
	sev, err := finding.ParseSeverity(spec.Severity)
	if err != nil {
		return nil, at("severity", "policy %s: %v", spec.ID, err)
	}
	cond, err := env.Compile(spec.Expression, policy.Bool)
	if err != nil {
		return nil, s.exprError(spec.ID, item+".expression", err)
	}
	p := &Policy{
		Rule: finding.Rule{ID: spec.ID, Title: spec.Title, Severity: sev, Description: spec.Description,
			Remediation: spec.Remediation, Tags: append([]string{"custom"}, spec.Tags...)},
		kinds: spec.Kinds, cond: cond, text: spec.Message, Source: fmt.Sprintf("%s:%d", s.name, s.fields[item].Line),
	}
	if p.text == "" {
		p.text = spec.Title
	}
	if spec.MessageExpression != "" {
		if p.msg, err = env.Compile(spec.MessageExpression, policy.String); err != nil {
			return nil, s.exprError(spec.ID, item+".messageExpression", err)
		}
	}
	if spec.Field != "" {
		p.field = k8s.Path{}.Field(strings.Split(spec.Field, ".")...)
	}
	return p, nil
}

// exprError places a CEL compile error of the expression at field at its line and column in the
// policy file; further errors of the same expression follow in the message, also in file terms.
func (s *source) exprError(id, field string, err error) error {
	start := s.fields[field]
	var ce *policy.CompileError
	if !errors.As(err, &ce) || len(ce.Errors) == 0 {
		return s.errorf(start, field, "policy %s: %v", id, err)
	}
	first := s.exprPos(start, ce.Errors[0])
	msg := ce.Errors[0].Message
	for _, e := range ce.Errors[1:] {
		p := s.exprPos(start, e)
		msg += fmt.Sprintf("; %d:%d: %s", p.Line, p.Column, e.Message)
	}
	return s.errorf(first, field, "policy %s: %s", id, msg)
}

// exprPos maps a position inside an expression to the file. A block scalar (| or >) starts on
// the line after its indicator, at the block's indentation, and a folded one (>) joins its lines
// with spaces; a flow scalar starts at its value, after the quote if it has one. Escapes inside
// quotes and folded flow scalars are not counted: the column is then approximate, the line is not.
func (s *source) exprPos(start strictyaml.Pos, e policy.Error) strictyaml.Pos {
	lines := strings.Split(string(s.data), "\n")
	lineText := func(n int) ([]rune, bool) {
		if n < 1 || n > len(lines) {
			return nil, false
		}
		return []rune(strings.TrimRight(lines[n-1], "\r")), true
	}
	first, _ := lineText(start.Line) // the value's own line: present, it was decoded from it
	i := start.Column - 1
	if i >= 0 && i < len(first) && first[i] == '&' { // an anchor precedes the value
		for i < len(first) && first[i] != ' ' {
			i++
		}
		for i < len(first) && first[i] == ' ' {
			i++
		}
		start.Column = i + 1
	}
	var indicator rune
	if i >= 0 && i < len(first) {
		indicator = first[i]
	}
	switch indicator {
	case '|', '>':
		indent := -1 // the block's own indentation, when an indicator digit sets it (|2)
		for _, r := range first[i+1:] {
			if r >= '1' && r <= '9' {
				key := len(first) - len([]rune(strings.TrimLeft(strings.TrimLeft(string(first), " "), "- ")))
				indent = key + int(r-'0')
			}
		}
		return blockPos(lineText, start.Line+1, indent, indicator == '>', e)
	case '"', '\'':
		start.Column++
	}
	if e.Line > 1 {
		return strictyaml.Pos{Line: start.Line + e.Line - 1, Column: e.Column}
	}
	return strictyaml.Pos{Line: start.Line, Column: start.Column + e.Column - 1}
}

// blockPos finds expression position e in a block scalar whose content starts on file line from;
// indent is the block's indentation when its header says it, else -1.
func blockPos(lineText func(int) ([]rune, bool), from, indent int, folded bool, e policy.Error) strictyaml.Pos {
	// indent is the block's indentation: that of its first non-blank line unless given.
	line, col := 1, 1
	text := false // the previous line held text (a folded line break is then a space)
	for n := from; ; n++ {
		t, ok := lineText(n)
		if !ok {
			break
		}
		content := strings.TrimLeft(string(t), " ")
		if indent < 0 && content != "" {
			indent = len(t) - len([]rune(content))
		}
		if indent >= 0 && content != "" && len(t)-len([]rune(content)) < indent {
			break // the block has ended
		}
		if content == "" {
			line, col, text = line+1, 1, false
			continue
		}
		body := t[indent:]
		if folded && text {
			col++ // the space the line break folded into
		}
		if line == e.Line && e.Column < col+len(body) {
			return strictyaml.Pos{Line: n, Column: indent + e.Column - col + 1}
		}
		if folded {
			col += len(body)
			text = true
		} else {
			line, col = line+1, 1
		}
	}
	return strictyaml.Pos{Line: from, Column: max(indent, 0) + 1}
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
func (s *Set) Evaluate(ctx context.Context, rs []*k8s.Resource) ([]finding.Finding, []finding.Problem, error) {
	var (
		out      []finding.Finding
		problems []finding.Problem
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
					problems = append(problems, finding.Problem{Path: r.File, Line: r.Line(nil), Kind: finding.ProblemPolicy, Scanner: "iac", Message: fmt.Sprintf("custom policies: %s: %v", r.ID(), err)})
					break
				}
				vars = map[string]any{"object": obj}
			}
			ok, err := p.cond.EvalBool(ctx, vars)
			if err != nil {
				problems = append(problems, finding.Problem{Path: r.File, Line: r.Line(nil), Kind: finding.ProblemPolicy, Scanner: "iac",
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
