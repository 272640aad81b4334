// Package iac scans infrastructure as code: Kubernetes manifests (YAML and JSON), Dockerfiles,
// Docker Compose files, AWS in Terraform and CloudFormation, and users' own CEL policies. Each
// format is parsed into a typed model that keeps source positions (subpackages k8s, dockerfile,
// compose, and aws with its loaders terraform and cloudformation), the checks are written
// once against those models, and every finding carries the exact file and line of the offending
// field — or of the object or container a required field is missing from — so inline
// suppressions and code-review annotations land where the problem is.
//
// A file that cannot be parsed is reported as a Problem with its line, never skipped silently.
package iac

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/palisade-sec/palisade/internal/boundedread"
	"github.com/palisade-sec/palisade/internal/config/strictyaml"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/aws"
	"github.com/palisade-sec/palisade/internal/iac/check"
	"github.com/palisade-sec/palisade/internal/iac/cloudformation"
	"github.com/palisade-sec/palisade/internal/iac/compose"
	"github.com/palisade-sec/palisade/internal/iac/custom"
	"github.com/palisade-sec/palisade/internal/iac/dockerfile"
	"github.com/palisade-sec/palisade/internal/iac/k8s"
	"github.com/palisade-sec/palisade/internal/iac/terraform"
)

// Options configure a Scanner.
type Options struct {
	// AllowedBaseImages turns on docker-base-image-not-allowed with these image prefixes.
	AllowedBaseImages []string
	// PolicyFiles are custom policy files (YAML with CEL expressions) read from the OS file
	// system; each must load, or New fails.
	PolicyFiles []string
	// Disable lists check IDs not to run.
	Disable []string
	// Workers bounds how many files are parsed at once; 0 means GOMAXPROCS.
	Workers int
	// MaxFileSize skips (and reports) larger files; 0 means 8 MiB.
	MaxFileSize int64
	// Engines are further policy engines run over every Kubernetes object after the built-in
	// checks and CEL policies — the Rego engine of package rego, when Rego files are configured.
	Engines []PolicyEngine
	// Renderer, when set, renders Helm charts and Kustomize overlays first; their manifests are
	// checked like any other and the files they consume are not scanned raw.
	Renderer Renderer
}

// PolicyEngine evaluates policies in another language over a scan's Kubernetes objects.
type PolicyEngine interface {
	Rules() []finding.Rule
	Evaluate(ctx context.Context, rs []*k8s.Resource) ([]finding.Finding, []finding.Problem, error)
}

// Rendered is one manifest document produced by rendering a chart or an overlay.
type Rendered struct {
	// Path is the source file findings are reported against (the template or the kustomization).
	Path string
	// Content is the rendered YAML.
	Content []byte
	// Locate maps a line of Content, and the YAML key on it, to a line of Path (best effort).
	Locate func(line int, key string) int
}

// Renderer turns the chart and overlay sources of a tree into manifests. consumed reports the
// files that only mean something through rendering (templates, values, patches).
type Renderer interface {
	Render(ctx context.Context, fsys fs.FS, files []string) (docs []Rendered, consumed func(name string) bool, problems []finding.Problem, err error)
}

// Scanner runs every IaC check. It is safe for concurrent use.
type Scanner struct {
	opts     Options
	k8sObj   []k8s.Check
	k8sTree  []k8s.Check // the checks marked Across, run once over every object of a scan
	docker   []dockerfile.Check
	compose  []compose.Check
	aws      []aws.Check
	policies *custom.Set
}

// New builds a Scanner from the built-in check lists and loads custom policies.
func New(opts Options) (*Scanner, error) {
	s := &Scanner{
		opts:     opts,
		docker:   check.Enabled(dockerfile.Builtin(dockerfile.Config{AllowedBaseImages: opts.AllowedBaseImages}), opts.Disable),
		compose:  check.Enabled(compose.Builtin(), opts.Disable),
		aws:      check.Enabled(aws.Builtin(), opts.Disable),
		policies: &custom.Set{},
	}
	for _, c := range check.Enabled(k8s.Builtin(), opts.Disable) {
		if c.Across {
			s.k8sTree = append(s.k8sTree, c)
		} else {
			s.k8sObj = append(s.k8sObj, c)
		}
	}
	if len(opts.PolicyFiles) > 0 {
		env, err := custom.NewEnv()
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, r := range BuiltinRules() {
			ids = append(ids, r.ID)
		}
		for _, name := range opts.PolicyFiles {
			data, err := os.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("load policies: %w", err)
			}
			ps, err := custom.Load(env, name, data, ids)
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				ids = append(ids, p.Rule.ID)
				if !slices.Contains(opts.Disable, p.Rule.ID) {
					s.policies.Policies = append(s.policies.Policies, p)
				}
			}
		}
	}
	return s, nil
}

// BuiltinRules lists every built-in check's rule, in report order.
func BuiltinRules() []finding.Rule {
	out := check.Rules(k8s.Builtin())
	out = append(out, check.Rules(dockerfile.Builtin(dockerfile.Config{}))...)
	out = append(out, check.Rules(compose.Builtin())...)
	return append(out, check.Rules(aws.Builtin())...)
}

// Rules lists the rules this scanner runs, custom policies included.
func (s *Scanner) Rules() []finding.Rule {
	out := check.Rules(s.k8sObj)
	out = append(out, check.Rules(s.k8sTree)...)
	out = append(out, check.Rules(s.docker)...)
	out = append(out, check.Rules(s.compose)...)
	out = append(out, check.Rules(s.aws)...)
	out = append(out, s.policies.Rules()...)
	for _, e := range s.opts.Engines {
		out = append(out, e.Rules()...)
	}
	return out
}

// Result is what a scan found.
type Result struct {
	Findings []finding.Finding
	// Problems are files (or parts of files) that could not be read, with their lines.
	Problems []finding.Problem
	// Skipped are files deliberately not checked, with the reason.
	Skipped []finding.Skip
	// Files counts the files that were parsed as IaC.
	Files int
}

// SkipTemplate is the skip reason for Helm templates, which are not YAML until rendered.
const SkipTemplate = "helm-template"

// fileResult is one file's contribution.
type fileResult struct {
	findings  []finding.Finding
	problems  []finding.Problem
	skip      string
	resources []*k8s.Resource
	parsed    bool
	// count is the number of files a Terraform module result covers.
	count int
}

// Scan checks the files (slash-separated paths in fsys) and returns the findings sorted.
func (s *Scanner) Scan(ctx context.Context, fsys fs.FS, files []string) (*Result, error) {
	rendered, files, err := s.render(ctx, fsys, files)
	if err != nil {
		return nil, err
	}
	results, err := s.parseAll(ctx, fsys, files)
	if err != nil {
		return nil, err
	}
	res := &Result{Findings: rendered.findings, Problems: rendered.problems}
	all := rendered.resources
	for i, r := range results {
		res.Findings = append(res.Findings, r.findings...)
		res.Problems = append(res.Problems, r.problems...)
		all = append(all, r.resources...)
		if r.skip != "" {
			res.Skipped = append(res.Skipped, finding.Skip{Path: files[i], Reason: r.skip})
		}
		if r.parsed {
			res.Files += max(r.count, 1)
		}
	}
	// Checks across files and custom policies see every object, rendered ones included.
	tree, problems, err := k8s.Evaluate(ctx, s.k8sTree, all, "")
	if err != nil {
		return nil, err
	}
	res.Findings = append(res.Findings, tree...)
	res.Problems = append(res.Problems, problems...)
	custom, problems, err := s.policies.Evaluate(ctx, all)
	if err != nil {
		return nil, err
	}
	res.Findings = append(res.Findings, custom...)
	res.Problems = append(res.Problems, problems...)
	for _, e := range s.opts.Engines {
		fs, problems, err := e.Evaluate(ctx, all)
		if err != nil {
			return nil, err
		}
		res.Findings = append(res.Findings, fs...)
		res.Problems = append(res.Problems, problems...)
	}
	res.Findings = dedupe(res.Findings)
	finding.Sort(res.Findings)
	return res, nil
}

// dedupe drops repeats of a finding: a Terraform module is checked on its own and again from
// each local call, and where the values agree the findings are the same.
func dedupe(fs []finding.Finding) []finding.Finding {
	seen := make(map[string]bool, len(fs))
	out := fs[:0]
	for _, f := range fs {
		k := f.RuleID + "\x00" + f.Fingerprint + "\x00" + strconv.Itoa(f.Location.StartLine)
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

// render runs the Renderer, checks what it produced, and returns the files left to scan raw.
func (s *Scanner) render(ctx context.Context, fsys fs.FS, files []string) (fileResult, []string, error) {
	var out fileResult
	if s.opts.Renderer == nil {
		return out, files, nil
	}
	docs, consumed, problems, err := s.opts.Renderer.Render(ctx, fsys, files)
	if err != nil {
		return out, nil, fmt.Errorf("render charts and overlays: %w", err)
	}
	out.problems = problems
	if consumed != nil {
		files = slices.DeleteFunc(slices.Clone(files), consumed)
	}
	for _, d := range docs {
		rs, ps := k8s.ParseRendered(d.Path, d.Content, d.Locate)
		out.resources = append(out.resources, rs...)
		out.problems = append(out.problems, ps...)
	}
	fs, problems, err := k8s.Evaluate(ctx, s.k8sObj, out.resources, "")
	out.findings = fs
	out.problems = append(out.problems, problems...)
	return out, files, err
}

// parseAll parses and checks every file concurrently: each Terraform module (a directory) and
// each other IaC file is one job. The results come back in a fixed order: files, then modules.
func (s *Scanner) parseAll(ctx context.Context, fsys fs.FS, files []string) ([]fileResult, error) {
	workers := s.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	modules := terraform.Modules(files)
	dirs := make([]string, 0, len(modules))
	for d := range modules {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	results := make([]fileResult, len(files)+len(dirs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for j, dir := range dirs {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			m := &aws.Model{}
			r := &results[len(files)+j]
			r.problems = terraform.LoadModule(gctx, fsys, modules, dir, m)
			fs, problems, err := aws.Evaluate(gctx, s.aws, m, dir)
			r.findings, r.problems = fs, append(r.problems, problems...)
			r.parsed, r.count = true, len(modules[dir])
			return err
		})
	}
	for i, name := range files {
		if kindOf(name) == kindNone {
			continue
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			var err error
			results[i], err = s.scanFile(gctx, fsys, name)
			return err
		})
	}
	return results, g.Wait()
}

type fileKind int

const (
	kindNone fileKind = iota
	kindDockerfile
	kindYAML
)

func kindOf(name string) fileKind {
	if dockerfile.Wants(name) {
		return kindDockerfile
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return kindYAML
	}
	return kindNone
}

// scanFile parses and checks one file; its error is only the context's.
func (s *Scanner) scanFile(ctx context.Context, fsys fs.FS, name string) (fileResult, error) {
	var out fileResult
	limit := s.opts.MaxFileSize
	if limit <= 0 {
		limit = 8 << 20
	}
	data, err := boundedread.File(fsys, name, limit)
	if errors.Is(err, boundedread.ErrTooLarge) {
		out.skip = finding.SkipTooLarge
		return out, nil
	}
	if err != nil {
		out.problems = append(out.problems, finding.Problem{Path: name, Kind: finding.ProblemRead, Scanner: "iac", Message: fmt.Sprintf("read: %v", err)})
		return out, nil
	}
	switch kindOf(name) {
	case kindDockerfile:
		out.parsed = true
		df, err := dockerfile.Parse(name, data)
		if err != nil {
			out.problems = append(out.problems, problemOf(name, err))
			return out, nil
		}
		return out, out.add(dockerfile.Evaluate(ctx, s.docker, df))
	case kindYAML:
		return out, s.scanYAML(ctx, name, data, &out)
	}
	return out, nil
}

// add records what a family's Evaluate returned and passes its (context) error on.
func (r *fileResult) add(fs []finding.Finding, problems []finding.Problem, err error) error {
	r.findings = append(r.findings, fs...)
	r.problems = append(r.problems, problems...)
	return err
}

func (s *Scanner) scanYAML(ctx context.Context, name string, data []byte, out *fileResult) error {
	if isTemplate(name, data) {
		out.skip = SkipTemplate
		return nil
	}
	if compose.Wants(name) || bytes.Contains(data, []byte("services:")) {
		p, err := compose.Parse(name, data)
		if p != nil || (err != nil && compose.Wants(name)) {
			out.parsed = true
			if err != nil {
				out.problems = append(out.problems, problemOf(name, err))
			}
			if p != nil {
				return out.add(compose.Evaluate(ctx, s.compose, p))
			}
			return nil
		}
	}
	if terraform.IsPlan(data) {
		m := &aws.Model{}
		if ok, problems := terraform.LoadPlan(name, data, m); ok {
			out.parsed = true
			out.problems = append(out.problems, problems...)
			return out.add(aws.Evaluate(ctx, s.aws, m, name))
		}
	}
	if cloudformation.Sniff(data) {
		m := &aws.Model{}
		if ok, problems := cloudformation.Load(name, data, m); ok {
			out.parsed = true
			out.problems = append(out.problems, problems...)
			return out.add(aws.Evaluate(ctx, s.aws, m, name))
		}
	}
	if !bytes.Contains(data, []byte("apiVersion")) || !bytes.Contains(data, []byte("kind")) {
		return nil // not a Kubernetes manifest: some other YAML or JSON file
	}
	rs, problems := k8s.Parse(name, data)
	out.parsed = len(rs) > 0 || len(problems) > 0
	out.problems = append(out.problems, problems...)
	out.resources = rs
	return out.add(k8s.Evaluate(ctx, s.k8sObj, rs, name))
}

// isTemplate reports Helm chart templates: under templates/ and holding template actions.
func isTemplate(name string, data []byte) bool {
	return (strings.Contains(name, "templates/") || strings.HasPrefix(name, "templates/")) && bytes.Contains(data, []byte("{{"))
}

// problemOf turns a parse error into a Problem, keeping the line when the error has one.
func problemOf(name string, err error) finding.Problem {
	p := finding.Problem{Path: name, Scanner: "iac", Kind: finding.ProblemParse, Message: err.Error()}
	var de *dockerfile.Error
	if errors.As(err, &de) {
		p.Line = de.Line
	} else {
		p.Line, _, _ = strictyaml.ErrorLine(err) // compose errors wrap yaml/v3's "line N:"
	}
	return p
}

// EvaluateObjects runs every Kubernetes check (those marked Across over the given set) and custom
// policy on already decoded objects; the admission webhook calls it with the object under review.
func (s *Scanner) EvaluateObjects(ctx context.Context, rs []*k8s.Resource) ([]finding.Finding, []finding.Problem, error) {
	var out []finding.Finding
	var problems []finding.Problem
	for _, checks := range [][]k8s.Check{s.k8sObj, s.k8sTree} {
		fs, ps, err := k8s.Evaluate(ctx, checks, rs, "")
		if err != nil {
			return nil, nil, err
		}
		out, problems = append(out, fs...), append(problems, ps...)
	}
	cs, ps, err := s.policies.Evaluate(ctx, rs)
	if err != nil {
		return nil, nil, err
	}
	out, problems = append(out, cs...), append(problems, ps...)
	for _, e := range s.opts.Engines {
		more, ps, err := e.Evaluate(ctx, rs)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, more...)
		problems = append(problems, ps...)
	}
	finding.Sort(out)
	return out, problems, nil
}
