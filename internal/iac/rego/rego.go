// Package rego evaluates users' existing Rego policies — the conftest convention: `deny`,
// `violation` and `warn` rules producing messages about `input` — against the Kubernetes objects
// a scan finds, so teams moving from conftest or Gatekeeper keep their policies while adopting
// Palisade. New policies are better written in CEL (package custom); this package exists for
// compatibility and is wired in only when Rego files are configured, because OPA is large.
//
// Security invariants: policies cannot reach the network or the host (http.send, net.*,
// opa.runtime and friends are removed from the capabilities, so such a policy fails to load,
// naming the file and line); every evaluation runs under a time limit.
package rego

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/k8s"
)

// ruleKinds are the conftest rule names and the severity a result of each gets by default.
func ruleKinds() map[string]finding.Severity {
	return map[string]finding.Severity{"deny": finding.SeverityHigh, "violation": finding.SeverityHigh, "warn": finding.SeverityMedium}
}

// forbidden are builtins a policy may not call: network, host and non-deterministic access.
func forbidden() []string {
	return []string{"http.send", "net.lookup_ip_addr", "net.cidr_expand", "opa.runtime", "trace", "time.now_ns",
		"rand.intn", "uuid.rfc4122", "io.jwt.decode_verify", "providers.aws.sign_req"}
}

// EvalTimeout bounds one evaluation of one rule on one object.
const EvalTimeout = 2 * time.Second

// Engine is a compiled set of Rego modules. It is safe for concurrent use.
type Engine struct {
	queries []query
}

type query struct {
	pkg, rule string
	meta      finding.Rule
	pq        rego.PreparedEvalQuery
}

// Load reads and compiles the .rego files at paths (files, or directories read without
// recursion). Modules in Rego v1 syntax and the older v0 syntax are both accepted.
func Load(ctx context.Context, paths []string) (*Engine, error) {
	modules := map[string]*ast.Module{}
	for _, p := range paths {
		files, err := regoFiles(p)
		if err != nil {
			return nil, fmt.Errorf("load rego policies: %w", err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("load rego policies: %w", err)
			}
			m, err := parse(f, string(src))
			if err != nil {
				return nil, fmt.Errorf("load rego policies: %w", err)
			}
			modules[f] = m
		}
	}
	return compile(ctx, modules)
}

func regoFiles(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".rego") && !strings.HasSuffix(e.Name(), "_test.rego") {
			out = append(out, p+"/"+e.Name())
		}
	}
	return out, nil
}

// parse accepts Rego v1 first, then the v0 syntax most conftest policies are written in.
func parse(name, src string) (m *ast.Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%s: the policy parser failed: %v", name, r)
		}
	}()
	m, err = ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err == nil {
		return m, nil
	}
	m, err0 := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV0})
	if err0 != nil {
		return nil, err // the v1 error is the one a new policy wants to see
	}
	return m, nil
}

func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	bad := forbidden()
	caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool { return slices.Contains(bad, b.Name) })
	caps.AllowNet = []string{}
	return caps
}

var idRE = regexp.MustCompile(`[^a-z0-9]+`)

// compile compiles modules. OPA's compiler can panic on some malformed input (a template string
// used as an object key in v1.20.2); that is turned into an error, so a bad policy file fails to
// load instead of crashing the scan.
func compile(ctx context.Context, modules map[string]*ast.Module) (e *Engine, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("compile rego policies: the policy compiler failed: %v", r)
		}
	}()
	if len(modules) == 0 {
		return nil, errors.New("load rego policies: no .rego files")
	}
	c := ast.NewCompiler().WithCapabilities(capabilities())
	c.Compile(modules)
	if c.Failed() {
		return nil, fmt.Errorf("compile rego policies: %w", c.Errors)
	}
	// One query per conftest rule found, in a fixed order.
	found := map[string]bool{}
	for _, m := range modules {
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		for _, r := range m.Rules {
			name := r.Head.Name.String()
			if len(r.Head.Reference) > 0 {
				name = r.Head.Reference[0].Value.String()
				name = strings.Trim(name, "\"")
			}
			if _, ok := ruleKinds()[name]; ok {
				found[pkg+"\x00"+name] = true
			}
		}
	}
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e = &Engine{}
	for _, k := range keys {
		pkg, name, _ := strings.Cut(k, "\x00")
		pq, err := rego.New(rego.Query("data."+pkg+"."+name), rego.Compiler(c), rego.Capabilities(capabilities())).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("prepare rego rule %s.%s: %w", pkg, name, err)
		}
		id := "rego-" + strings.Trim(idRE.ReplaceAllString(strings.ToLower(pkg), "-"), "-") + "-" + name
		e.queries = append(e.queries, query{pkg: pkg, rule: name, pq: pq, meta: finding.Rule{
			ID: id, Title: fmt.Sprintf("Rego policy %s.%s", pkg, name), Severity: ruleKinds()[name],
			Description: "A finding of a user-supplied Rego policy (conftest convention).", Tags: []string{"custom", "rego"},
		}})
	}
	if len(e.queries) == 0 {
		return nil, errors.New("load rego policies: no deny, violation or warn rules")
	}
	return e, nil
}

// Rules lists one rule per evaluated Rego rule.
func (e *Engine) Rules() []finding.Rule {
	out := make([]finding.Rule, 0, len(e.queries))
	for _, q := range e.queries {
		out = append(out, q.meta)
	}
	return out
}

// Evaluate runs every rule against every object, as conftest does per document. Each message a
// rule produces is a finding at the object's first line; a result that is an object may set
// "msg", and optionally "id" and "severity". An evaluation error is a Problem, never a pass.
func (e *Engine) Evaluate(ctx context.Context, rs []*k8s.Resource) ([]finding.Finding, []finding.Problem, error) {
	var (
		out      []finding.Finding
		problems []finding.Problem
	)
	for _, r := range rs {
		if err := ctx.Err(); err != nil {
			return out, problems, err
		}
		input, err := r.Map()
		if err != nil {
			problems = append(problems, finding.Problem{Path: r.File, Kind: finding.ProblemPolicy, Scanner: "iac", Message: fmt.Sprintf("rego: %s: %v", r.ID(), err)})
			continue
		}
		for i := range e.queries {
			q := &e.queries[i]
			fs, err := q.eval(ctx, r, input)
			if err != nil {
				problems = append(problems, finding.Problem{Path: r.File, Line: r.Line(nil), Kind: finding.ProblemPolicy, Scanner: "iac",
					Message: fmt.Sprintf("rego rule %s.%s on %s: %v", q.pkg, q.rule, r.ID(), err)})
				continue
			}
			out = append(out, fs...)
		}
	}
	return out, problems, nil
}

func (q *query) eval(ctx context.Context, r *k8s.Resource, input map[string]any) (out []finding.Finding, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("the policy evaluator failed: %v", p)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, EvalTimeout)
	defer cancel()
	rs, err := q.pq.Eval(ctx, rego.EvalInput(input))
	if err != nil {
		return nil, err
	}
	for _, res := range rs {
		for _, ex := range res.Expressions {
			items, ok := ex.Value.([]any)
			if !ok {
				continue
			}
			for _, it := range items {
				rule := q.meta
				msg := ""
				switch v := it.(type) {
				case string:
					msg = v
				case map[string]any:
					msg, _ = v["msg"].(string)
					if id, ok := v["id"].(string); ok && id != "" {
						rule.ID = id
					}
					if s, ok := v["severity"].(string); ok {
						if sev, err := finding.ParseSeverity(s); err == nil {
							rule.Severity = sev
						}
					}
				default:
					msg = fmt.Sprint(v)
				}
				f := k8s.NewFinding(&rule, r, nil, fmt.Sprintf("%s: %s", r.ID(), msg))
				f.Fingerprint = finding.Fingerprint(rule.ID, r.File, r.ID()+"/"+msg)
				out = append(out, f)
			}
		}
	}
	return out, nil
}
