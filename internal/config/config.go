// Package config loads Palisade's configuration file, palisade.yaml, and overlays the environment
// on it, in one precedence order: built-in defaults < the file < PALISADE_<SECTION>_<KEY>
// environment variables < command-line flags (which the CLI applies with Set).
//
// Decoding is strict — an unknown key, a value of the wrong type, a duplicate key is an error —
// and every error names where the bad value came from: the file, line, column and dotted field
// ("palisade.yaml:4:12: scan.fail-on: …"), the environment variable, or the flag. A typo in a
// security tool's configuration must never be silently ignored, because the setting the user meant
// would then not be in force.
//
// Each stage owns one section, a struct field of Config with a `yaml` tag. Adding a section adds
// its keys to the file, to the environment (PALISADE_<SECTION>_<KEY>, dashes become underscores)
// and to Set without further code, because all three walk the same struct.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/boundedread"
	"github.com/palisade-sec/palisade/internal/config/strictyaml"
	"github.com/palisade-sec/palisade/internal/finding"
)

// FileName is the configuration file a scan looks for in its root.
const FileName = "palisade.yaml"

// Config is Palisade's whole configuration.
type Config struct {
	Scan   Scan   `yaml:"scan"`
	Secret Secret `yaml:"secret"`
	Deps   Deps   `yaml:"deps"`
	IaC    IaC    `yaml:"iac"`
	Sast   Sast   `yaml:"sast"`
	Image  Image  `yaml:"image"`

	// origins records where each field set by something other than the defaults came from.
	origins map[string]Origin
}

// Scan configures `palisade scan`; its keys mirror the command's flags.
type Scan struct {
	// Scanners are the analyzers to run by name; nil means every built-in one.
	Scanners []string `yaml:"scanners"`
	// FailOn is the gate: unsuppressed findings at or above it make the scan exit 1.
	FailOn finding.Severity `yaml:"fail-on"`
	// Formats are the reports to write.
	Formats []Output `yaml:"formats"`
	// Exclude lists path patterns (relative to the scan root) not to scan.
	Exclude []string `yaml:"exclude"`
	// MaxFileSize is the largest file read whole; larger ones are streamed by analyzers that can,
	// and are problems for those that parse whole files.
	MaxFileSize Size `yaml:"max-file-size"`
	// Gitignore makes the scan honour .gitignore files.
	Gitignore bool `yaml:"gitignore"`
	// DefaultSkips makes the scan skip vendored code, lock files and similar (the default list).
	DefaultSkips bool `yaml:"default-skips"`
	// IgnoreFile is the suppression file, relative to the scan root; empty turns it off.
	IgnoreFile string `yaml:"ignore-file"`
	// Baseline is a previous report whose findings are accepted; empty means none.
	Baseline string `yaml:"baseline"`
	// FailOnProblems makes a scan whose inputs were not all checked (the report's problems: an
	// unreadable file, a missing vulnerability database, …) exit 2, so a pipeline fails closed.
	// It is on by default; turning it off accepts every problem.
	FailOnProblems bool `yaml:"fail-on-problems"`
	// AcceptProblems are the problem kinds (finding.ProblemKinds) that do not fail the gate; the
	// report still lists them, marked accepted.
	AcceptProblems []string `yaml:"accept-problems"`
}

// Secret configures the secret analyzer.
type Secret struct {
	// Disable lists rule IDs not to run.
	Disable []string `yaml:"disable"`
}

// Deps configures the dependency analyzer.
type Deps struct {
	// DBDir is the vulnerability database; empty means $PALISADE_DB_DIR or the user cache directory,
	// the same place `palisade db` uses.
	DBDir string `yaml:"db-dir"`
	// MaxAge is how old the database may be before the scan reports it as stale.
	MaxAge Duration `yaml:"max-age"`
	// DemoteNotImported lowers findings for Go packages that the scanned module never imports to
	// severity info, so the gate acts only on vulnerable code the module uses.
	DemoteNotImported bool `yaml:"demote-not-imported"`
	// GateUnfixed lets findings in OS packages that no fixed version exists for yet ("no fix
	// yet", "will not fix") fail the gate; off by default, they are listed apart at severity info
	// with their original severity in a property.
	GateUnfixed bool `yaml:"gate-unfixed"`
	// LicenseAllow, when not empty, makes every package whose known licence is not listed a finding.
	LicenseAllow []string `yaml:"license-allow"`
	// LicenseDeny makes every package with a listed licence a finding.
	LicenseDeny []string `yaml:"license-deny"`
}

// IaC configures the infrastructure-as-code analyzer.
type IaC struct {
	// Disable lists check IDs not to run.
	Disable []string `yaml:"disable"`
	// Policies are custom policy files (YAML with CEL rules), relative to the working directory.
	Policies []string `yaml:"policies"`
	// AllowedBaseImages is the older name of Image.AllowedBases (read through Config.AllowedBases).
	AllowedBaseImages []string `yaml:"allowed-base-images"`
	// Rego are Rego policy files or directories in the conftest convention (deny/warn rules),
	// relative to the working directory.
	Rego []string `yaml:"rego"`
	// Render renders Helm charts and Kustomize overlays and checks their output instead of the
	// raw templates, with findings placed back on template lines.
	Render bool `yaml:"render"`
	// HelmValues are values files applied over every chart's values.yaml, in order, relative to
	// the working directory (`helm template -f`).
	HelmValues []string `yaml:"helm-values"`
	// HelmSet are `--set` expressions applied after the values files (`a.b=c,d[0]=e`).
	HelmSet []string `yaml:"helm-set"`
	// RenderTimeout bounds the rendering of one chart; past it the chart is a problem.
	RenderTimeout Duration `yaml:"render-timeout"`
	// RenderMaxBytes bounds what rendering one chart may produce; past it the chart is a problem.
	RenderMaxBytes Size `yaml:"render-max-bytes"`
}

// Sast configures the Go static analyser (docs/sast.md).
type Sast struct {
	// Tags are build tags the Go packages are loaded with.
	Tags []string `yaml:"tags"`
	// Sources are the user's own functions whose results are untrusted ("import/path.Func" or
	// "import/path.Type.Method").
	Sources []string `yaml:"sources"`
	// Sanitizers are the user's own functions whose results are clean.
	Sanitizers []string `yaml:"sanitizers"`
	// Sinks are the user's own sinks, each "import/path.Func:ARG:rule-id": the argument
	// (0-based, receiver not counted) that must not be untrusted, and the rule a path to it is
	// reported under.
	Sinks []string `yaml:"sinks"`
}

// Image configures the checks of container images' configuration.
type Image struct {
	// AllowedBases is the team's list of standard base images: registries ("registry.example.com"),
	// repositories or prefixes of them ("ghcr.io/acme/base/", "debian"), each optionally pinned
	// to a tag or digest ("debian@sha256:…"). When set, an image built on anything else, or one
	// whose base cannot be determined, is a finding, and so is a Dockerfile FROM outside it
	// (docker-base-image-not-allowed). iac.allowed-base-images is its older name.
	AllowedBases []string `yaml:"allowed-bases"`
	// CheckBaseUpdate makes `scan --image` ask the base image's registry for the newest tag of
	// the base's line and say, per finding in the base image's packages, whether it would remove
	// it (docs/images.md). Off by default: it sends requests to a registry the user did not
	// otherwise name.
	CheckBaseUpdate bool `yaml:"check-base-update"`
}

// AllowedBases is the one list of standard base images the Dockerfile and image checks hold
// bases to: image.allowed-bases, or its older name iac.allowed-base-images (Validate refuses
// the two set to different lists).
func (c *Config) AllowedBases() []string {
	if len(c.Image.AllowedBases) > 0 {
		return c.Image.AllowedBases
	}
	return c.IaC.AllowedBaseImages
}

// Default returns the built-in defaults: every scanner, gate at high and on every problem, a table
// on standard output, files up to 10 MiB, .gitignore and the default skip list honoured,
// .palisadeignore.yaml read.
func Default() *Config {
	return &Config{
		Scan: Scan{
			FailOn:         finding.SeverityHigh,
			Formats:        []Output{{Format: "table"}},
			MaxFileSize:    10 << 20,
			Gitignore:      true,
			DefaultSkips:   true,
			IgnoreFile:     ".palisadeignore.yaml",
			FailOnProblems: true,
		},
		Deps: Deps{
			MaxAge:            Duration(7 * 24 * time.Hour),
			DemoteNotImported: true,
		},
		IaC:     IaC{Render: true, RenderTimeout: Duration(10 * time.Second), RenderMaxBytes: 64 << 20},
		origins: map[string]Origin{},
	}
}

// Find returns the path of the configuration file in dir, or "" when there is none. A symbolic
// link is refused like a directory: the scan never follows links out of its root, and the
// configuration that steers it must not either.
func Find(dir string) (string, error) {
	p := filepath.Join(dir, FileName)
	info, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("find config: %w", err)
	case !info.Mode().IsRegular():
		return "", fmt.Errorf("find config: %s is not a regular file (directories and symbolic links are refused; name the file with --config)", p)
	}
	return p, nil
}

// Load builds the configuration from the defaults, the file at path (none when path is empty) and
// the environment as seen through env (os.LookupEnv in production, a map in tests), then validates
// it. Flags are the caller's to apply afterwards with Set, followed by Validate.
func Load(path string, env func(string) (string, bool)) (*Config, error) {
	c := Default()
	if path != "" {
		data, err := boundedread.Path(path, maxFileSize)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if err := c.decode(path, data); err != nil {
			return nil, err
		}
	}
	if env != nil {
		if err := c.ApplyEnv(env); err != nil {
			return nil, err
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// maxFileSize bounds the configuration file; a real one is a few hundred bytes.
const maxFileSize = 1 << 20

// decode overlays a file on c, recording where each value came from.
func (c *Config) decode(name string, data []byte) error {
	fields, err := strictyaml.Decode(name, data, c)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	for field, p := range fields {
		c.setOrigin(field, Origin{Kind: FromFile, File: name, Line: p.Line, Column: p.Column})
	}
	c.normalize()
	return nil
}

// normalize puts values written in the long form into the form the short form (Output's
// UnmarshalText, used by flags and the environment) already gives them: format names in lower
// case, outputs without surrounding blanks. It is its own step so that Validate only checks.
func (c *Config) normalize() {
	for i := range c.Scan.Formats {
		o := &c.Scan.Formats[i]
		o.Format = strings.ToLower(strings.TrimSpace(o.Format))
		o.Output = strings.TrimSpace(o.Output)
	}
}

func (c *Config) setOrigin(field string, o Origin) {
	if c.origins == nil {
		c.origins = map[string]Origin{}
	}
	c.origins[field] = o
}
