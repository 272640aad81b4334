package dockerfile

import (
	"context"
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Config holds the settings some checks need.
type Config struct {
	// AllowedBaseImages are image name prefixes a final stage may build on
	// ("registry.example.com/base/", "cgr.dev/chainguard/"); short Docker Hub names are
	// normalised first ("nginx" is "docker.io/library/nginx"). Empty turns the check off.
	AllowedBaseImages []string
}

// Check is one Dockerfile check.
type Check struct {
	Rule finding.Rule
	Run  func(f *File, cfg *Config, report Report)
	// Fail are Dockerfiles the check must flag, each flagged line preceded by a "# want" comment
	// line; Pass are Dockerfiles it must not flag. One table test runs them all.
	Fail, Pass []string
}

// Report records one problem at a 1-based line; key identifies it within the file for the
// fingerprint (the instruction's text, say), so it survives edits elsewhere.
type Report func(line int, key, message string)

// Evaluate runs checks over a parsed Dockerfile.
func Evaluate(ctx context.Context, checks []Check, f *File, cfg *Config) ([]finding.Finding, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	var out []finding.Finding
	for i := range checks {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		r := &checks[i].Rule
		seen := map[string]int{}
		checks[i].Run(f, cfg, func(line int, key, msg string) {
			// The same instruction text can occur twice (in two stages): number the repeats so
			// each keeps a fingerprint of its own.
			if n := seen[key]; n > 0 {
				seen[key]++
				key = fmt.Sprintf("%s#%d", key, n)
			} else {
				seen[key] = 1
			}
			out = append(out, finding.Finding{
				RuleID:      r.ID,
				Title:       r.Title,
				Description: msg,
				Severity:    r.Severity,
				Confidence:  finding.ConfidenceHigh,
				CWE:         r.CWE,
				Location:    finding.Location{Path: f.Path, StartLine: line},
				Fingerprint: finding.Fingerprint(r.ID, f.Path, key),
				Remediation: r.Remediation,
				References:  r.References,
				Scanner:     "iac",
			})
		})
	}
	return out, nil
}

// Rules lists the rules of checks, in order.
func Rules(checks []Check) []finding.Rule {
	out := make([]finding.Rule, 0, len(checks))
	for _, c := range checks {
		out = append(out, c.Rule)
	}
	return out
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
