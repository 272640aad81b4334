package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Validate checks the values that decoding alone cannot: ranges, empty entries, duplicates, and
// outputs that would overwrite each other. Each error names where the bad value came from. It
// only reads the configuration: values are normalised where they are decoded (see normalize).
func (c *Config) Validate() error {
	s := &c.Scan
	if s.Scanners != nil && len(s.Scanners) == 0 {
		return c.FieldError("scan.scanners", errors.New("empty list: name at least one scanner, or remove the key to run them all"))
	}
	if err := c.names("scan.scanners", s.Scanners); err != nil {
		return err
	}
	if s.FailOn < finding.SeverityInfo || s.FailOn > finding.SeverityCritical {
		return c.FieldError("scan.fail-on", fmt.Errorf("severity %v out of range", s.FailOn))
	}
	if err := c.outputs(); err != nil {
		return err
	}
	for i, p := range s.Exclude {
		if strings.TrimSpace(p) == "" {
			return c.FieldError(fmt.Sprintf("scan.exclude[%d]", i), errors.New("empty pattern"))
		}
	}
	if s.MaxFileSize <= 0 {
		return c.FieldError("scan.max-file-size", fmt.Errorf("must be greater than zero, got %d bytes", int64(s.MaxFileSize)))
	}
	if c.IaC.RenderTimeout <= 0 || c.IaC.RenderMaxBytes <= 0 {
		return c.FieldError("iac.render-timeout", fmt.Errorf("render-timeout and render-max-bytes must be greater than zero, got %s and %d bytes", c.IaC.RenderTimeout, int64(c.IaC.RenderMaxBytes)))
	}
	if c.Deps.MaxAge <= 0 {
		return c.FieldError("deps.max-age", fmt.Errorf("must be greater than zero, got %s", c.Deps.MaxAge))
	}
	for field, list := range map[string][]string{
		"secret.disable":          c.Secret.Disable,
		"deps.license-allow":      c.Deps.LicenseAllow,
		"deps.license-deny":       c.Deps.LicenseDeny,
		"iac.disable":             c.IaC.Disable,
		"iac.policies":            c.IaC.Policies,
		"iac.allowed-base-images": c.IaC.AllowedBaseImages,
		"scan.accept-problems":    c.Scan.AcceptProblems,
		"sast.tags":               c.Sast.Tags,
		"sast.sources":            c.Sast.Sources,
		"sast.sanitizers":         c.Sast.Sanitizers,
		"sast.sinks":              c.Sast.Sinks,
		"image.allowed-bases":     c.Image.AllowedBases,
	} {
		if err := c.names(field, list); err != nil {
			return err
		}
	}
	return c.allowedBases()
}

// allowedBases checks the base image allow-list: one list under one name, and digests that can
// match something. A digest with a typo would match no image and fail every build without
// saying why; two different lists would leave it unclear which one holds.
func (c *Config) allowedBases() error {
	if len(c.Image.AllowedBases) > 0 && len(c.IaC.AllowedBaseImages) > 0 && !slices.Equal(c.Image.AllowedBases, c.IaC.AllowedBaseImages) {
		return c.FieldError("image.allowed-bases", fmt.Errorf("iac.allowed-base-images (%s) is the older name of this list and holds a different one; set only image.allowed-bases", c.Origin("iac.allowed-base-images")))
	}
	for _, l := range []struct {
		field string
		list  []string
	}{{"image.allowed-bases", c.Image.AllowedBases}, {"iac.allowed-base-images", c.IaC.AllowedBaseImages}} {
		field := l.field
		for i, e := range l.list {
			if strings.ContainsAny(e, "*?[") {
				return c.FieldError(fmt.Sprintf("%s[%d]", field, i), fmt.Errorf("%q: patterns are not supported; an entry ending in / covers everything under it (ghcr.io/acme/)", e))
			}
			_, digest, pinned := strings.Cut(e, "@")
			if pinned && !digestRE().MatchString(digest) {
				return c.FieldError(fmt.Sprintf("%s[%d]", field, i), fmt.Errorf("%q: a pinned base needs a digest like sha256:<64 hex digits>", e))
			}
		}
	}
	return nil
}

// digestRE is compiled on first use, not at every start of the binary.
var digestRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$`)
})

// names checks a list of IDs for empty and repeated entries.
func (c *Config) names(field string, list []string) error {
	seen := map[string]int{}
	for i, n := range list {
		item := fmt.Sprintf("%s[%d]", field, i)
		if strings.TrimSpace(n) == "" {
			return c.FieldError(item, errors.New("empty name"))
		}
		if j, dup := seen[n]; dup {
			return c.FieldError(item, fmt.Errorf("%q is already listed at %s[%d]", n, field, j))
		}
		seen[n] = i
	}
	return nil
}

// outputs checks that no two reports write to the same place.
func (c *Config) outputs() error {
	if len(c.Scan.Formats) == 0 {
		return c.FieldError("scan.formats", errors.New("empty list: name at least one format"))
	}
	targets := map[string]int{}
	for i := range c.Scan.Formats {
		o := c.Scan.Formats[i]
		field := fmt.Sprintf("scan.formats[%d]", i)
		if strings.TrimSpace(o.Format) == "" {
			return c.FieldError(field, errors.New("missing format"))
		}
		dest := o.Output
		if dest == "" {
			dest = "standard output"
		}
		if j, dup := targets[dest]; dup {
			return c.FieldError(field, fmt.Errorf("%s already receives format %s from scan.formats[%d]; give each format its own output", dest, c.Scan.Formats[j].Format, j))
		}
		targets[dest] = i
	}
	return nil
}
