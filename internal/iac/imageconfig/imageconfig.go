// Package imageconfig checks a built container image's configuration — who it runs as, its
// environment, labels, exposed ports, health check, base image — and the build steps its history
// records, with the Dockerfile checks of package dockerfile and under the same rule IDs.
//
// It does not write a second set of checks: a history entry's created_by is the Dockerfile
// instruction that made the step, in one of a few shapes the classic builder and BuildKit write,
// so the image is rebuilt as the one-stage Dockerfile that would have made it and the Dockerfile
// checks run over that. Where the history is silent (squashed, rewritten, or written by a tool
// that records none), the config's final User, Env, ExposedPorts, Healthcheck, Labels, Cmd and
// Entrypoint stand in, and are authoritative where the two disagree: they are what a container
// starts with.
//
// Invariants: the config is untrusted input, bounded in size and refused with a position when it
// does not decode; a check that cannot run is a Problem, never silence; an image whose base image
// cannot be determined is reported when an allow-list is configured, never passed as allowed; a
// secret value is never shown in full.
package imageconfig

import (
	"context"
	"fmt"
	"path"
	"slices"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
	"github.com/palisade-sec/palisade/internal/iac/dockerfile"
)

// Options configure Check.
type Options struct {
	// AllowedBases is the team's list of standard base images (palisade.yaml image.allowed-bases;
	// entries as dockerfile.BaseAllowed reads them: registries, repositories, pinned digests).
	// Empty turns docker-base-image-not-allowed off.
	AllowedBases []string
	// Disable lists rule IDs not to run.
	Disable []string
	// Path names the image in findings' locations ("registry.example/app:1.2", "app.tar"); a
	// history step is at Path/history[3], a config field at Path/config.User.
	Path string
	// Annotations are the image manifest's annotations, when the source has them; the OCI base
	// image annotations there take precedence over the config's labels.
	Annotations map[string]string
	// Locate, when set, places a finding of history entry index (whose created_by is createdBy,
	// unredacted: a Location must not carry it as it is) — the image scanner knows the entry's
	// layer (the entries without empty_layer match the layers in order), its digest, and whether
	// it came with the base image. Nil places it at HistoryLocation(Path, index).
	Locate func(index int, createdBy string) finding.Location
}

// notForImages are the Dockerfile checks that cannot be judged from a built image, and why. A
// slice literal, not a map: static data costs nothing at start-up.
var notForImages = []struct{ id, why string }{
	{"docker-base-image-unpinned", "the history does not record how FROM named the base; docker-base-image-not-allowed reads the recorded base"},
	{"docker-base-image-no-digest", "the history does not record how FROM named the base"},
	{"docker-add-instead-of-copy", "the history does not say whether an ADDed file was an archive"},
	{"docker-copy-context-root", "the history does not say which stage a COPY came from"},
	{"docker-run-security-insecure", "the history does not record a RUN's flags"},
}

// Checks returns the Dockerfile checks that run over images, built with the allow-list.
func Checks(allowedBases []string) []dockerfile.Check {
	all := dockerfile.Builtin(dockerfile.Config{AllowedBaseImages: allowedBases})
	return slices.DeleteFunc(all, func(c dockerfile.Check) bool {
		return slices.ContainsFunc(notForImages, func(n struct{ id, why string }) bool { return n.id == c.Rule.ID })
	})
}

// Rules lists the rules Check reports under, in report order.
func Rules() []finding.Rule { return check.Rules(Checks(nil)) }

// Check parses an image config (the JSON the image's manifest points at) and runs the image
// checks over it. It returns the findings, the problems (a check that failed to run, a config
// value that could not be judged), and an error when the config does not parse (a *Error) or ctx
// is done.
func Check(ctx context.Context, cfgJSON []byte, opts Options) ([]finding.Finding, []finding.Problem, error) {
	img, err := Parse(cfgJSON)
	if err != nil {
		return nil, nil, err
	}
	return Evaluate(ctx, img, opts)
}

// Evaluate runs the image checks over a config already decoded (by Parse, or converted from
// another decoder's config type), with Check's results.
func Evaluate(ctx context.Context, img *Image, opts Options) ([]finding.Finding, []finding.Problem, error) {
	m := build(img, opts.Annotations)
	checks := check.Enabled(Checks(opts.AllowedBases), opts.Disable)
	findings, problems, err := check.Evaluate(ctx, checks, m.file, opts.Path, dockerfile.Reporter(opts.Path, func(line int, key string) finding.Location {
		return m.locate(line, key, opts)
	}))
	if err != nil {
		return findings, problems, err
	}
	if f, ok := m.unknownBase(checks, opts); ok {
		findings = append(findings, f)
	}
	return findings, append(problems, m.unjudged(img, opts.Path)...), nil
}

// locate places a finding reported at a model line: a history step, or the config field that
// stands in for one. What an image inherits as a whole (reported at its FROM line) is placed at
// the field the check is about.
func (m *model) locate(line int, key string, opts Options) finding.Location {
	i, field := m.where(line)
	if i >= 0 {
		if opts.Locate != nil {
			return opts.Locate(i, m.history[i].CreatedBy)
		}
		return HistoryLocation(opts.Path, i)
	}
	if line == m.fromLine {
		switch {
		case key == "final:no-user":
			field = "config.User"
		case key == "final:no-healthcheck":
			field = "config.Healthcheck"
		case m.baseFrom != "":
			field = m.baseFrom
		}
	}
	return finding.Location{Path: joinPath(opts.Path, field)}
}

// HistoryLocation is where a finding of history entry index is placed when the caller gives no
// Locate: Path/history[index].
func HistoryLocation(imagePath string, index int) finding.Location {
	return finding.Location{Path: joinPath(imagePath, fmt.Sprintf("history[%d]", index))}
}

func joinPath(image, field string) string {
	if image == "" {
		return field
	}
	return path.Join(image, field)
}

// unknownBase reports an image whose base image cannot be determined while an allow-list is
// configured: the list could not be applied, and saying nothing would read as "allowed".
func (m *model) unknownBase(checks []dockerfile.Check, opts Options) (finding.Finding, bool) {
	i := slices.IndexFunc(checks, func(c dockerfile.Check) bool { return c.Rule.ID == "docker-base-image-not-allowed" })
	if i < 0 || len(opts.AllowedBases) == 0 || m.file.Stages[0].Image != "" {
		return finding.Finding{}, false
	}
	r := checks[i].Rule
	return finding.Finding{
		RuleID:      r.ID,
		Title:       r.Title,
		Description: fmt.Sprintf("the image does not name its base image (no %s annotation or label), so it could not be held to the allow-list", BaseNameKey),
		Severity:    finding.SeverityInfo,
		Confidence:  finding.ConfidenceLow,
		Location:    finding.Location{Path: joinPath(opts.Path, "config")},
		Fingerprint: finding.Fingerprint(r.ID, opts.Path, "base:unknown"),
		Remediation: "Build with BuildKit's base image annotations (docker buildx build --annotation, or --provenance) or label the image with " + BaseNameKey + " and " + BaseDigestKey + ".",
		References:  r.References,
		Scanner:     "iac",
	}, true
}

// unjudged returns a problem for each exposed port the port checks could not read.
func (m *model) unjudged(img *Image, imagePath string) []finding.Problem {
	var out []finding.Problem
	for _, p := range sortedKeys(img.Config.ExposedPorts) {
		if _, _, ok := dockerfile.ExposedPorts(p); !ok {
			out = append(out, finding.Problem{Path: joinPath(imagePath, "config.ExposedPorts"), Kind: finding.ProblemParse, Scanner: "iac",
				Message: fmt.Sprintf("exposed port %q is not a port number or range; not checked", p)})
		}
	}
	return out
}
