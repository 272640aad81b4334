package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/suppress"
)

const fullConfig = `# palisade.yaml
scan:
  scanners: [secret, deps, iac]
  fail-on: medium
  formats:
    - table
    - {format: sarif, output: out.sarif}
    - format: JSON
      output: report.json
  exclude: ["docs/**", "examples/*.yaml"]
  max-file-size: 2MiB
  gitignore: false
  default-skips: true
  ignore-file: .palisadeignore.yaml
  baseline: previous.json
  accept-problems: [stale-vulndb, render]
secret:
  disable: [generic-password]
`

func noEnv(string) (string, bool) { return "", false }

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseFull(t *testing.T) {
	got, err := Parse("palisade.yaml", []byte(fullConfig))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Scan: Scan{
			Scanners:       []string{"secret", "deps", "iac"},
			FailOn:         finding.SeverityMedium,
			Formats:        []Output{{Format: "table"}, {Format: "sarif", Output: "out.sarif"}, {Format: "json", Output: "report.json"}},
			Exclude:        []string{"docs/**", "examples/*.yaml"},
			MaxFileSize:    2 << 20,
			Gitignore:      false,
			DefaultSkips:   true,
			IgnoreFile:     ".palisadeignore.yaml",
			Baseline:       "previous.json",
			FailOnProblems: true,
			AcceptProblems: []string{"stale-vulndb", "render"},
		},
		Secret: Secret{Disable: []string{"generic-password"}},
		Deps:   Default().Deps,
		IaC:    Default().IaC,
	}
	if diff := cmp.Diff(want, *got, cmpopts.IgnoreUnexported(Config{})); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if o := got.Origin("scan.formats[1].output"); o.String() != "palisade.yaml:7:31" {
		t.Errorf("origin of scan.formats[1].output = %s", o)
	}
}

func TestDefaults(t *testing.T) {
	for name, data := range map[string]string{"no file": "", "empty file": "\n", "comment only": "# nothing yet\n", "empty sections": "scan:\nsecret:\n"} {
		t.Run(name, func(t *testing.T) {
			got, err := Parse("palisade.yaml", []byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(Default(), got, cmpopts.IgnoreUnexported(Config{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if Default().Scan.IgnoreFile != suppress.DefaultIgnoreFile {
		t.Errorf("default ignore-file %q differs from suppress.DefaultIgnoreFile %q", Default().Scan.IgnoreFile, suppress.DefaultIgnoreFile)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown section", "scna:\n  fail-on: high\n",
			`config: palisade.yaml:1:1: scna: unknown key "scna" (want one of: scan, secret, deps, iac, sast, image)`},
		{"unknown key", "scan:\n  fail_on: high\n",
			`config: palisade.yaml:2:3: scan.fail_on: unknown key "fail_on" (want one of: scanners, fail-on, formats, exclude, max-file-size, gitignore, default-skips, ignore-file, baseline, fail-on-problems, accept-problems)`},
		{"unknown key in format", "scan:\n  formats:\n    - format: sarif\n      outptu: x\n",
			`config: palisade.yaml:4:7: scan.formats[0].outptu: unknown key "outptu" (want one of: format, output)`},
		{"bad severity", "scan:\n  fail-on: hgh\n",
			`config: palisade.yaml:2:12: scan.fail-on: unknown severity "hgh" (want one of info, low, medium, high, critical)`},
		{"bool as string", "scan:\n  gitignore: \"no\"\n",
			`config: palisade.yaml:2:14: scan.gitignore: want true or false, got the string "no"`},
		{"yaml 1.1 yes is not a bool", "scan:\n  gitignore: yes\n",
			`config: palisade.yaml:2:14: scan.gitignore: want true or false, got the string "yes"`},
		{"list as string", "scan:\n  scanners: secret\n",
			`config: palisade.yaml:2:13: scan.scanners: want a list, got the string "secret"`},
		{"section as list", "secret: [a]\n",
			`config: palisade.yaml:1:9: secret: want a mapping, got a list`},
		{"bad size unit", "scan:\n  max-file-size: 10 megs\n",
			`config: palisade.yaml:2:18: scan.max-file-size: size "10 megs": unknown unit "megs"`},
		{"zero size", "scan:\n  max-file-size: 0\n",
			`config: palisade.yaml:2:18: scan.max-file-size: must be greater than zero, got 0 bytes`},
		{"negative size", "scan:\n  max-file-size: -5MiB\n",
			`config: palisade.yaml:2:18: scan.max-file-size: size "-5MiB": want a number`},
		{"empty scanners", "scan:\n  scanners: []\n",
			`config: palisade.yaml:2:13: scan.scanners: empty list`},
		{"duplicate scanner", "scan:\n  scanners:\n    - secret\n    - iac\n    - secret\n",
			`config: palisade.yaml:5:7: scan.scanners[2]: "secret" is already listed at scan.scanners[0]`},
		{"blank exclude", "scan:\n  exclude: ['a', '']\n",
			`config: palisade.yaml:2:18: scan.exclude[1]: empty pattern`},
		{"two formats on stdout", "scan:\n  formats: [table, json]\n",
			`config: palisade.yaml:2:20: scan.formats[1]: standard output already receives format table from scan.formats[0]`},
		{"same output file", "scan:\n  formats:\n    - sarif:out\n    - {format: json, output: out}\n",
			`config: palisade.yaml:4:7: scan.formats[1]: out already receives format sarif`},
		{"format mapping without format", "scan:\n  formats:\n    - output: x.json\n",
			`config: palisade.yaml:3:7: scan.formats[0]: missing format`},
		{"duplicate disabled rule", "secret:\n  disable: [jwt, jwt]\n",
			`config: palisade.yaml:2:18: secret.disable[1]: "jwt" is already listed at secret.disable[0]`},
		{"duplicate key", "scan:\n  fail-on: low\n  fail-on: high\n",
			`config: palisade.yaml:3:3: scan.fail-on: duplicate key (first set on line 2)`},
		{"merge key", "base: &b {fail-on: low}\nscan:\n  <<: *b\n",
			`config: palisade.yaml:1:1: base: unknown key "base"`},
		{"syntax", "scan:\n  scanners: [secret\n",
			`config: palisade.yaml:2: invalid YAML: did not find expected ',' or ']'`},
		{"tab indentation", "scan:\n\tfail-on: high\n",
			`config: palisade.yaml:2: invalid YAML: found character that cannot start any token`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("palisade.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("want error %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n  %v\nwant prefix\n  %s", err, tc.want)
			}
		})
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	file := "scan:\n  fail-on: medium\n  max-file-size: 1MiB\n  exclude: [a/**]\n  gitignore: false\n  formats: [json]\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	env := mapEnv(map[string]string{
		"PALISADE_SCAN_FAIL_ON":       "critical",
		"PALISADE_SCAN_EXCLUDE":       "b/**, c/*.txt",
		"PALISADE_SCAN_BASELINE":      "",
		"PALISADE_SECRET_DISABLE":     "jwt,generic-password",
		"PALISADE_SCAN_FORMATS":       "table,sarif:out.sarif",
		"PALISADE_UNRELATED_VARIABLE": "ignored",
	})
	c, err := Load(path, env)
	if err != nil {
		t.Fatal(err)
	}
	// A flag the user set explicitly wins over the environment.
	if err := c.Set("scan.fail-on", "low", FlagOrigin("--fail-on")); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Value  any
		Origin string
	}
	got := map[string]row{
		"scan.fail-on":       {c.Scan.FailOn.String(), c.Origin("scan.fail-on").String()},
		"scan.max-file-size": {c.Scan.MaxFileSize.String(), c.Origin("scan.max-file-size").String()},
		"scan.exclude":       {strings.Join(c.Scan.Exclude, " "), c.Origin("scan.exclude[0]").String()},
		"scan.gitignore":     {c.Scan.Gitignore, c.Origin("scan.gitignore").String()},
		"scan.default-skips": {c.Scan.DefaultSkips, c.Origin("scan.default-skips").String()},
		"scan.formats":       {c.Scan.Formats[1].String(), c.Origin("scan.formats[1]").String()},
		"secret.disable":     {strings.Join(c.Secret.Disable, " "), c.Origin("secret.disable").String()},
	}
	want := map[string]row{
		"scan.fail-on":       {"low", "flag --fail-on"},                                      // flag > env > file
		"scan.max-file-size": {"1MiB", path + ":3:18"},                                       // file > default
		"scan.exclude":       {"b/** c/*.txt", "environment variable PALISADE_SCAN_EXCLUDE"}, // env replaces the file's list
		"scan.gitignore":     {false, path + ":5:14"},
		"scan.default-skips": {true, "default"},
		"scan.formats":       {"sarif:out.sarif", "environment variable PALISADE_SCAN_FORMATS"},
		"secret.disable":     {"jwt generic-password", "environment variable PALISADE_SECRET_DISABLE"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad severity", map[string]string{"PALISADE_SCAN_FAIL_ON": "severe"},
			`config: environment variable PALISADE_SCAN_FAIL_ON: scan.fail-on: unknown severity "severe"`},
		{"bad bool", map[string]string{"PALISADE_SCAN_GITIGNORE": "maybe"},
			`config: environment variable PALISADE_SCAN_GITIGNORE: scan.gitignore: want true or false, got "maybe"`},
		{"empty bool", map[string]string{"PALISADE_SCAN_DEFAULT_SKIPS": ""},
			`config: environment variable PALISADE_SCAN_DEFAULT_SKIPS: scan.default-skips: want true or false, got ""`},
		{"bad size", map[string]string{"PALISADE_SCAN_MAX_FILE_SIZE": "lots"},
			`config: environment variable PALISADE_SCAN_MAX_FILE_SIZE: scan.max-file-size: size "lots": want a number`},
		{"empty scanners", map[string]string{"PALISADE_SCAN_SCANNERS": ""},
			`config: environment variable PALISADE_SCAN_SCANNERS: scan.scanners: empty list`},
		{"bad list item", map[string]string{"PALISADE_SCAN_FORMATS": "table,:x"},
			`config: environment variable PALISADE_SCAN_FORMATS: scan.formats: item 2: want a format name`},
		{"validation points at env", map[string]string{"PALISADE_SCAN_SCANNERS": "secret,secret"},
			`config: environment variable PALISADE_SCAN_SCANNERS: scan.scanners[1]: "secret" is already listed`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("", mapEnv(tc.env))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n  %v\nwant prefix\n  %s", err, tc.want)
			}
		})
	}
}

func TestSetErrors(t *testing.T) {
	c := Default()
	for _, tc := range []struct{ key, want string }{
		{"scan.nope", "flag --x: scan.nope: unknown key"},
		{"scan", "flag --x: scan: is a section; set one of its keys"},
		{"scan.fail-on.extra", "flag --x: scan.fail-on.extra: unknown key"},
	} {
		err := c.Set(tc.key, "v", FlagOrigin("--x"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Set(%q) = %v, want %q", tc.key, err, tc.want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), noEnv)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	if p, err := Find(dir); p != "" || err != nil {
		t.Errorf("empty dir: Find = %q, %v", p, err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("scan:\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := Find(dir); p != filepath.Join(dir, FileName) || err != nil {
		t.Errorf("Find = %q, %v", p, err)
	}
	sub := filepath.Join(t.TempDir(), FileName)
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Find(filepath.Dir(sub)); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory named palisade.yaml: err = %v", err)
	}
	linkDir := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, FileName), filepath.Join(linkDir, FileName)); err != nil {
		t.Fatal(err)
	}
	if _, err := Find(linkDir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("symlink named palisade.yaml: err = %v", err)
	}
}

func TestLoadTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(p, []byte("# "+strings.Repeat("x", maxFileSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p, noEnv); err == nil || err.Error() != "config: read "+p+": larger than the 1048576-byte limit" {
		t.Errorf("err = %v", err)
	}
}

func TestKeys(t *testing.T) {
	var got []string
	for _, k := range Keys() {
		got = append(got, k.Path+"="+k.Env)
	}
	want := []string{
		"scan.scanners=PALISADE_SCAN_SCANNERS",
		"scan.fail-on=PALISADE_SCAN_FAIL_ON",
		"scan.formats=PALISADE_SCAN_FORMATS",
		"scan.exclude=PALISADE_SCAN_EXCLUDE",
		"scan.max-file-size=PALISADE_SCAN_MAX_FILE_SIZE",
		"scan.gitignore=PALISADE_SCAN_GITIGNORE",
		"scan.default-skips=PALISADE_SCAN_DEFAULT_SKIPS",
		"scan.ignore-file=PALISADE_SCAN_IGNORE_FILE",
		"scan.baseline=PALISADE_SCAN_BASELINE",
		"scan.fail-on-problems=PALISADE_SCAN_FAIL_ON_PROBLEMS",
		"scan.accept-problems=PALISADE_SCAN_ACCEPT_PROBLEMS",
		"secret.disable=PALISADE_SECRET_DISABLE",
		"deps.db-dir=PALISADE_DEPS_DB_DIR",
		"deps.max-age=PALISADE_DEPS_MAX_AGE",
		"deps.demote-not-imported=PALISADE_DEPS_DEMOTE_NOT_IMPORTED",
		"deps.gate-unfixed=PALISADE_DEPS_GATE_UNFIXED",
		"deps.license-allow=PALISADE_DEPS_LICENSE_ALLOW",
		"deps.license-deny=PALISADE_DEPS_LICENSE_DENY",
		"iac.disable=PALISADE_IAC_DISABLE",
		"iac.policies=PALISADE_IAC_POLICIES",
		"iac.allowed-base-images=PALISADE_IAC_ALLOWED_BASE_IMAGES",
		"iac.rego=PALISADE_IAC_REGO",
		"iac.render=PALISADE_IAC_RENDER",
		"iac.helm-values=PALISADE_IAC_HELM_VALUES",
		"iac.helm-set=PALISADE_IAC_HELM_SET",
		"iac.render-timeout=PALISADE_IAC_RENDER_TIMEOUT",
		"iac.render-max-bytes=PALISADE_IAC_RENDER_MAX_BYTES",
		"sast.tags=PALISADE_SAST_TAGS",
		"sast.sources=PALISADE_SAST_SOURCES",
		"sast.sanitizers=PALISADE_SAST_SANITIZERS",
		"sast.sinks=PALISADE_SAST_SINKS",
		"image.allowed-bases=PALISADE_IMAGE_ALLOWED_BASES",
		"image.check-base-update=PALISADE_IMAGE_CHECK_BASE_UPDATE",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// docs/configuration.md must describe every key and its environment variable.
func TestDocsListEveryKey(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatalf("read docs: %v", err)
	}
	for _, k := range Keys() {
		name := k.Path[strings.LastIndex(k.Path, ".")+1:]
		for _, s := range []string{"`" + name + "`", "`" + k.Env + "`"} {
			if !strings.Contains(string(doc), s) {
				t.Errorf("docs/configuration.md does not mention %s", s)
			}
		}
	}
}

// The complete example in docs/configuration.md must load.
func TestDocsExampleLoads(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatalf("read docs: %v", err)
	}
	_, rest, ok := strings.Cut(string(data), "## A complete example\n\n```yaml\n")
	if !ok {
		t.Fatal("docs/configuration.md has no complete example")
	}
	example, _, _ := strings.Cut(rest, "```")
	c, err := Parse("palisade.yaml", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Scan.Formats) != 3 || c.Scan.Formats[2] != (Output{Format: "json", Output: "palisade.json"}) {
		t.Errorf("formats = %v", c.Scan.Formats)
	}
}

// TestValidateOnlyChecks holds Validate to reading the configuration: normalising happens while
// decoding, so a configuration validated twice, or built in code, is never changed behind the
// caller's back.
func TestValidateOnlyChecks(t *testing.T) {
	c := Default()
	c.Scan.Formats = []Output{{Format: "table"}, {Format: " SARIF ", Output: " out.sarif "}}
	want := slices.Clone(c.Scan.Formats)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, c.Scan.Formats); diff != "" {
		t.Errorf("Validate changed scan.formats (-before +after):\n%s", diff)
	}
	parsed, err := Parse("palisade.yaml", []byte("scan:\n  formats:\n    - {format: ' SARIF ', output: ' out.sarif '}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := parsed.Scan.Formats, []Output{{Format: "sarif", Output: "out.sarif"}}; !cmp.Equal(got, want) {
		t.Errorf("decoded formats %v, want %v", got, want)
	}
}

// The Dockerfile and image checks read one allow-list, under its new name or its older one.
func TestAllowedBases(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"new name", map[string]string{"PALISADE_IMAGE_ALLOWED_BASES": "gcr.io,debian"}, []string{"gcr.io", "debian"}},
		{"older name", map[string]string{"PALISADE_IAC_ALLOWED_BASE_IMAGES": "alpine"}, []string{"alpine"}},
		{"both, the same", map[string]string{"PALISADE_IAC_ALLOWED_BASE_IMAGES": "alpine", "PALISADE_IMAGE_ALLOWED_BASES": "alpine"}, []string{"alpine"}},
		{"neither", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load("", func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, c.AllowedBases()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
