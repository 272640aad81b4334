// Package baseupdate answers, for `palisade scan --image --check-base-update`, whether the newest
// tag of the base image's line in the same repository would remove the vulnerability findings in
// the packages that came with the base image (docs/images.md, "Would a newer base fix it?").
//
// Invariants, each held by a test:
//   - Requests go only to the registry of the base image the scanned image names, and only when
//     the caller asks (the check is opt-in: the user did not otherwise name that registry); plain
//     HTTP only to the hosts the caller names insecure, as for pulls.
//   - A check that could not be made is never silent: an image that does not name its base, a
//     tag without a version order, no newer tag — a note in the summary; a registry unreachable
//     or refusing, a newer base that cannot be read or not fully checked — a problem of kind
//     base-update-unavailable, which fails the gate unless accepted.
//   - "Fixes it" is said only of a newer base that was scanned, with the scan's own dependency
//     analyzer against the same database, for the scanned image's platform.
package baseupdate

import (
	"archive/tar"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/scan/deps"
)

// Property is the finding property that says whether the newer base removes the finding:
// "debian:12.8 (sha256:0123456789ab…) fixes it: libssl3 3.0.15-1~deb12u1", "… fixes it: libssl3
// is not in it", or "… still has it: libssl3 3.0.11-1~deb12u2".
const Property = "base.update"

// Options say how the newer base is found and checked.
type Options struct {
	// Registry says how registries are reached (insecure hosts, credentials, transport, tag-list
	// limits). Its Platform is not used: the newer base is taken for the scanned image's.
	Registry image.Options
	// Deps is the scan's dependency analyzer, run over the newer base so that its packages are
	// matched exactly as the scanned image's were. Nil means the deps scanner did not run, and
	// there is nothing to check.
	Deps scan.TreeAnalyzer
	// Keep is the scan's choice of the files the tree analyzers read.
	Keep func(name string, hdr *tar.Header) bool
	// MaxFileSize is the scan's limit on files read whole (scan.Options.MaxFileSize), so the
	// newer base's package databases are read as the scanned image's were.
	MaxFileSize int64
}

// Check finds the newer base of img, scans it, and sets Property on each of findings that is a
// vulnerability in a package of the base image's layers. It returns the run-level summary and
// the problems (of kind base-update-unavailable) that kept it from answering; an error only when
// ctx ends.
func Check(ctx context.Context, img *image.Image, findings []finding.Finding, opts Options) (*report.BaseUpdate, []finding.Problem, error) {
	bu := &report.BaseUpdate{Base: img.Base.Name}
	base := baseFindings(findings)
	bu.Findings = len(base)
	ref, err := parseBase(img.Base.Name)
	switch {
	case err != nil:
		bu.Note = "not checked: " + err.Error()
		return bu, nil, nil
	case opts.Deps == nil:
		bu.Note = "not checked: the deps scanner did not run, so no package was matched"
		return bu, nil, nil
	case img.Base.Layers == 0:
		bu.Note = "not checked: which layers came with the base image could not be told (see docs/images.md), so no finding is known to be the base image's"
		return bu, nil, nil
	case len(base) == 0:
		bu.Note = "not checked: no vulnerability finding is in a package of the base image's layers"
		return bu, nil, nil
	}
	tags, err := image.ListTags(ctx, ref.repo, opts.Registry)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return bu, []finding.Problem{unavailable(err.Error())}, nil
	}
	newer, err := image.NewerTag(ref.tag, tags)
	if err != nil { // parseBase checked the tag's order; kept for safety
		bu.Note = "not checked: " + err.Error()
		return bu, nil, nil
	}
	if newer == "" {
		bu.Note = fmt.Sprintf("no newer tag of the same line as %q among the %d tags of %s", ref.tag, len(tags), ref.written)
		return bu, nil, nil
	}
	bu.Newer = ref.written + ":" + newer
	checked, problems, err := scanNewer(ctx, img, ref.repo+":"+newer, bu.Newer, opts)
	if err != nil {
		return nil, nil, err
	}
	if checked == nil {
		return bu, problems, nil
	}
	bu.Checked, bu.NewerDigest = true, checked.digest
	label := bu.Newer
	if checked.digest != "" {
		label += " (" + shortDigest(checked.digest) + ")"
	}
	for _, i := range base {
		f := &findings[i]
		verdict, removed := checked.verdict(f)
		if f.Properties == nil {
			f.Properties = map[string]string{}
		}
		f.Properties[Property] = label + " " + verdict
		if removed {
			bu.Removed++
		}
	}
	return bu, problems, nil
}

// baseRef is the base image's reference: the repository to ask (fully qualified), as the image
// wrote it, and its tag.
type baseRef struct {
	repo, written, tag string
}

// parseBase reads the base image's name as the annotation or label gives it, and says why it
// cannot be checked when it cannot: absent, not a reference, no tag, a tag without order.
func parseBase(s string) (baseRef, error) {
	if s == "" {
		return baseRef{}, fmt.Errorf("the image does not name its base image (no %s annotation or label)", image.AnnotationBaseName)
	}
	withTag, digest, _ := strings.Cut(s, "@")
	r, err := name.ParseReference(withTag)
	if err != nil {
		return baseRef{}, fmt.Errorf("the base image name %q is not an image reference: %v", s, err)
	}
	last := withTag[strings.LastIndex(withTag, "/")+1:]
	written, tag, hasTag := strings.Cut(last, ":")
	if !hasTag {
		if digest != "" {
			return baseRef{}, fmt.Errorf("the base image %s is pinned by digest only, and a digest has no newer version", s)
		}
		return baseRef{}, fmt.Errorf("the base image %s names no tag (latest is implied), which has no version order", s)
	}
	written = withTag[:len(withTag)-len(last)] + written
	if _, err := image.NewerTag(tag, nil); err != nil {
		return baseRef{}, fmt.Errorf("the base image %s: %v", s, err)
	}
	return baseRef{repo: r.Context().Name(), written: written, tag: tag}, nil
}

// baseFindings are the indexes of the vulnerability findings in packages of the base image's
// layers: deps findings whose layer is the base's, licence findings left out.
func baseFindings(findings []finding.Finding) []int {
	var out []int
	for i, f := range findings {
		l := f.Location.Layer
		if f.Scanner != deps.Name || l == nil || !l.Base || f.Properties[deps.PropPackage] == "" ||
			f.RuleID == deps.RuleLicenseDenied || f.RuleID == deps.RuleLicenseNotAllowed {
			continue
		}
		out = append(out, i)
	}
	return out
}

// newerBase is what the newer base's scan found: its vulnerability findings and its packages.
type newerBase struct {
	digest   string
	findings []finding.Finding
	packages []inventory.Package
}

// scanNewer pulls the newer base for img's platform and scans it with the deps analyzer. A
// newer base that cannot be pulled or read gives problems and no result; one scanned with
// problems of its own (a package database that does not parse, packages the database cannot
// match) gives the result and those problems, named as the newer base's.
func scanNewer(ctx context.Context, img *image.Image, ref, label string, opts Options) (*newerBase, []finding.Problem, error) {
	ropts := opts.Registry
	ropts.Platform = img.Platform
	nimg, err := image.Pull(ctx, ref, ropts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, []finding.Problem{unavailable(fmt.Sprintf("newer base %s: %v", label, err))}, nil
	}
	defer nimg.Close()
	rec := &recorder{}
	run, err := scan.Image(ctx, nimg, scan.ImageOptions{
		Options: scan.Options{Analyzers: []scan.Analyzer{opts.Deps, rec}, MaxFileSize: opts.MaxFileSize},
		Keep:    opts.Keep,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, []finding.Problem{unavailable(fmt.Sprintf("newer base %s: %v", label, err))}, nil
	}
	var problems []finding.Problem
	for _, p := range run.Problems {
		switch p.Kind {
		case finding.ProblemNoVulnDB, finding.ProblemStaleVulnDB:
			continue // the same database as the scan's: its own run reports it
		}
		msg := p.Message
		if p.Kind != "" {
			msg = p.Kind + ": " + msg
		}
		problems = append(problems, finding.Problem{Path: p.Path, Line: p.Line, Scanner: p.Scanner, Kind: finding.ProblemBaseUpdate,
			Message: fmt.Sprintf("--check-base-update: newer base %s: %s", label, msg)})
	}
	return &newerBase{digest: nimg.Digest, findings: run.Findings, packages: rec.packages}, problems, nil
}

// verdict says whether the newer base has f's vulnerability: a finding of the same package
// (ecosystem and name) sharing an ID or alias with f is "still has it"; otherwise "fixes it",
// with the newer base's version of the package or its absence. removed is true for "fixes it".
func (n *newerBase) verdict(f *finding.Finding) (string, bool) {
	eco, pkg := f.Properties[deps.PropEcosystem], f.Properties[deps.PropPackage]
	ids := idsOf(f)
	for _, g := range n.findings {
		if g.Properties[deps.PropEcosystem] != eco || g.Properties[deps.PropPackage] != pkg {
			continue
		}
		if slices.ContainsFunc(idsOf(&g), func(id string) bool { return slices.Contains(ids, id) }) {
			return fmt.Sprintf("still has it: %s %s", pkg, g.Properties[deps.PropVersion]), false
		}
	}
	var versions []string
	for _, p := range n.packages {
		if p.Ecosystem == eco && p.Name == pkg && !slices.Contains(versions, p.Version) {
			versions = append(versions, p.Version)
		}
	}
	if len(versions) == 0 {
		return fmt.Sprintf("fixes it: %s is not in it", pkg), true
	}
	slices.Sort(versions)
	return fmt.Sprintf("fixes it: %s %s", pkg, strings.Join(versions, ", ")), true
}

// idsOf is a vulnerability finding's advisory ID and its aliases.
func idsOf(f *finding.Finding) []string {
	ids := []string{f.RuleID}
	if a := f.Properties[deps.PropAliases]; a != "" {
		ids = append(ids, strings.Split(a, ",")...)
	}
	return ids
}

func unavailable(msg string) finding.Problem {
	return finding.Problem{Scanner: deps.Name, Kind: finding.ProblemBaseUpdate, Message: "--check-base-update: " + msg}
}

// shortDigest is "sha256:" and the first 12 hex digits, then "…".
func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12] + "…"
	}
	return d
}

// recorder is a tree analyzer that keeps the packages of the tree it is given, as the deps
// analyzer reads an installed system, and reports nothing: the newer base's versions of the
// packages the deps analyzer found nothing in.
type recorder struct {
	mu       sync.Mutex
	packages []inventory.Package
}

var _ scan.TreeAnalyzer = (*recorder)(nil)

func (r *recorder) Name() string { return "base-update-inventory" }

func (r *recorder) AnalyzeTree(ctx context.Context, t *scan.Tree) ([]finding.Finding, error) {
	pkgs, _, err := inventory.ExtractWith(ctx, t.FS, t.Files, inventory.Options{Installed: t.Installed})
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.packages = pkgs
	r.mu.Unlock()
	return nil, nil
}
