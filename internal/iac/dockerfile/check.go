package dockerfile

import (
	"context"
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
)

// Config holds the settings some checks are built with (see Builtin).
type Config struct {
	// AllowedBaseImages are image name prefixes a final stage may build on
	// ("registry.example.com/base/", "cgr.dev/chainguard/"); short Docker Hub names are
	// normalised first ("nginx" is "docker.io/library/nginx"). Empty turns the check off.
	AllowedBaseImages []string
}

// Check is one Dockerfile check. Its Fail and Pass examples mark each flagged line with a
// "# want" comment line before it: a Dockerfile comment cannot end an instruction.
type Check = check.Check[*File, Report]

// Report records one problem at a 1-based line; key identifies it within the file for the
// fingerprint (the instruction's text, say), so it survives edits elsewhere.
type Report func(line int, key, message string)

// Evaluate runs checks over a parsed Dockerfile.
func Evaluate(ctx context.Context, checks []Check, f *File) ([]finding.Finding, []finding.Problem, error) {
	return check.Evaluate(ctx, checks, f, f.Path, Reporter(f.Path, func(line int, _ string) finding.Location {
		return finding.Location{Path: f.Path, StartLine: line}
	}))
}

// Reporter makes the Report each check runs with: a finding of the check's rule, located by
// locate, fingerprinted by path and key. The same key can occur twice (one instruction's text in
// two stages, two history steps alike): repeats are numbered so each keeps a fingerprint of its
// own. The Dockerfile checks and the image-config checks (imageconfig) both report through it.
func Reporter(path string, locate func(line int, key string) finding.Location) func(r *finding.Rule, add func(finding.Finding)) Report {
	return func(r *finding.Rule, add func(finding.Finding)) Report {
		seen := map[string]int{}
		return func(line int, key, msg string) {
			if n := seen[key]; n > 0 {
				seen[key]++
				key = fmt.Sprintf("%s#%d", key, n)
			} else {
				seen[key] = 1
			}
			add(finding.Finding{
				RuleID:      r.ID,
				Title:       r.Title,
				Description: msg,
				Severity:    r.Severity,
				Confidence:  finding.ConfidenceHigh,
				CWE:         r.CWE,
				Location:    locate(line, key),
				Fingerprint: finding.Fingerprint(r.ID, path, key),
				Remediation: r.Remediation,
				References:  r.References,
				Scanner:     "iac",
			})
		}
	}
}

// ImageRef is a parsed image reference.
type ImageRef struct {
	// Name is the repository with its registry, normalised ("docker.io/library/nginx").
	Name   string
	Tag    string
	Digest string
}

// ParseImage splits an image reference and normalises Docker Hub short names.
func ParseImage(image string) ImageRef {
	var r ImageRef
	if i := strings.Index(image, "@"); i >= 0 {
		image, r.Digest = image[:i], image[i+1:]
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image, r.Tag = image[:i], image[i+1:]
	}
	first, _, found := strings.Cut(image, "/")
	switch {
	case !found:
		image = "docker.io/library/" + image
	case !strings.ContainsAny(first, ".:") && first != "localhost":
		image = "docker.io/" + image
	}
	r.Name = image
	return r
}

func rule(id, title string, sev finding.Severity, desc, fix string, tags ...string) finding.Rule {
	return finding.Rule{ID: id, Title: title, Severity: sev, Description: desc, Remediation: fix, Tags: tags}
}

// eachInstr calls fn for every instruction of every stage with the given keywords.
func eachInstr(f *File, fn func(s *Stage, in Instruction), cmds ...string) {
	for i := range f.Stages {
		s := &f.Stages[i]
		for _, in := range s.Body {
			for _, c := range cmds {
				if in.Cmd == c {
					fn(s, in)
				}
			}
		}
	}
}
