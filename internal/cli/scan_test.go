package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/palisade-sec/palisade/internal/config"
	iacengine "github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/scan"
	scaniac "github.com/palisade-sec/palisade/internal/scan/iac"
	"github.com/palisade-sec/palisade/internal/scan/secret"
)

// A database URL with a made-up password: the secret rules rate it high, below critical.
const (
	testPassword = "Xk9vQ2mP7rL4tN8wZ3"
	testToken    = "postgres://app:" + testPassword + "@db.internal:5432/app"
	testRule     = "postgres-url-password"
)

func testApp() (*App, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &App{
		Version: "test",
		Builtins: Builtins{Scanners: []Scanner{{
			Name: "secret", Summary: "secrets",
			New: func(_ context.Context, cfg *config.Config) (scan.Analyzer, error) {
				a := secret.New(secret.Options{Disable: cfg.Secret.Disable})
				return a, a.Err()
			},
		}}},
		Stdout: &out,
		Stderr: &errb,
	}, &out, &errb
}

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	app, out, _ := testApp()
	root := Root(app)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestScanExitCodes(t *testing.T) {
	leaky := map[string]string{"app/config.go": "package app\n\nvar token = \"" + testToken + "\"\n"}
	clean := map[string]string{"app/main.go": "package main\n\nfunc main() {}\n"}
	for _, tc := range []struct {
		name  string
		files map[string]string
		args  []string
		code  int
	}{
		{"clean tree passes", clean, nil, 0},
		{"secret trips the default gate", leaky, nil, 1},
		{"gate above the finding passes", leaky, []string{"--fail-on", "critical"}, 0},
		{"bad severity is a tool error", leaky, []string{"--fail-on", "severe"}, 2},
		{"unknown scanner is a tool error", leaky, []string{"--scanners", "nope"}, 2},
		{"unknown format is a tool error", leaky, []string{"--format", "pdf"}, 2},
		{"a problem fails closed by default", withProblem(clean), nil, 2},
		{"a problem fails closed with --fail-on-problems", withProblem(clean), []string{"--fail-on-problems"}, 2},
		{"--fail-on-problems=false accepts every problem", withProblem(clean), []string{"--fail-on-problems=false"}, 0},
		{"an accepted kind passes", withProblem(clean), []string{"--accept-problems", "suppression"}, 0},
		{"another accepted kind does not", withProblem(clean), []string{"--accept-problems", "parse,no-vulndb"}, 2},
		{"an unknown kind is a config error", clean, []string{"--accept-problems", "no-db"}, 2},
		{"--fail-on-problems without problems passes", clean, []string{"--fail-on-problems"}, 0},
		{"the finding gate comes first", withProblem(leaky), []string{"--fail-on-problems"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, tc.files)
			out, err := runCLI(t, append([]string{"scan", dir}, tc.args...)...)
			if got := ExitCode(err); got != tc.code {
				t.Fatalf("exit code %d, want %d (err %v)\n%s", got, tc.code, err, out)
			}
			if strings.Contains(out, testPassword) {
				t.Fatal("the table printed the secret in full")
			}
		})
	}
}

// withProblem adds an ignore file whose only entry has expired: the scan reports it as a problem.
func withProblem(files map[string]string) map[string]string {
	out := map[string]string{".palisadeignore.yaml": "version: 1\nignore:\n  - rule: jwt\n    reason: old exception\n    expires: 2001-01-01\n"}
	for k, v := range files {
		out[k] = v
	}
	return out
}

func TestFailOnProblemsNamesTheCause(t *testing.T) {
	dir := writeTree(t, withProblem(map[string]string{"main.go": "package main\n"}))
	out, err := runCLI(t, "scan", dir, "--fail-on-problems")
	if !errors.Is(err, ErrProblems) || ExitCode(err) != 2 {
		t.Fatalf("err %v (exit %d), want ErrProblems and exit 2", err, ExitCode(err))
	}
	if !strings.Contains(out, "expired") {
		t.Errorf("the report does not show the problem that failed the run:\n%s", out)
	}
}

func TestScanWritesSeveralFormatsAndUsesBaseline(t *testing.T) {
	dir := writeTree(t, map[string]string{"config.go": "package app\n\nvar token = \"" + testToken + "\"\n"})
	out := t.TempDir()
	jsonPath, sarifPath := filepath.Join(out, "r.json"), filepath.Join(out, "r.sarif")

	table, err := runCLI(t, "scan", dir, "--format", "json:"+jsonPath+",sarif:"+sarifPath)
	if ExitCode(err) != 1 {
		t.Fatalf("first scan: exit %d (%v), want 1", ExitCode(err), err)
	}
	if !strings.Contains(table, testRule) {
		t.Errorf("the table was not written beside the files:\n%s", table)
	}
	for _, p := range []string{jsonPath, sarifPath} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(testPassword)) {
			t.Errorf("%s holds the secret in full", p)
		}
	}
	var doc struct {
		Findings []struct {
			RuleID      string          `json:"ruleId"`
			Suppression json.RawMessage `json:"suppression"`
		} `json:"findings"`
	}
	b, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Findings) != 1 {
		t.Fatalf("json report: %v, %d findings", err, len(doc.Findings))
	}

	// The same tree against its own report, as JSON and as SARIF: nothing new, gate passes, and
	// the finding is still in the output, marked as suppressed by the baseline.
	for _, base := range []string{jsonPath, sarifPath} {
		again := filepath.Join(out, "again.json")
		_, err := runCLI(t, "scan", dir, "--baseline", base, "--format", "json", "--output", again)
		if ExitCode(err) != 0 {
			t.Fatalf("baseline %s: exit %d (%v), want 0", filepath.Base(base), ExitCode(err), err)
		}
		b, _ := os.ReadFile(again)
		if !bytes.Contains(b, []byte(`"kind": "baseline"`)) && !bytes.Contains(b, []byte(`"kind":"baseline"`)) {
			t.Errorf("baseline %s: suppressed finding missing from the report:\n%s", filepath.Base(base), b)
		}
	}
}

func TestScanInlineSuppressionNeedsReason(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.go": "package a\n\n// palisade:ignore postgres-url-password rotated on 2026-01-02, kept as a fixture\nvar a = \"" + testToken + "\"\n",
		"b.go": "package b\n\n// palisade:ignore postgres-url-password\nvar b = \"" + testToken + "\"\n",
	})
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	_, err := runCLI(t, "scan", dir, "--format", "json", "--output", jsonPath)
	if ExitCode(err) != 1 {
		t.Fatalf("exit %d (%v): the directive without a reason must not suppress", ExitCode(err), err)
	}
	b, _ := os.ReadFile(jsonPath)
	var doc struct {
		Findings []struct {
			Location    struct{ Path string }  `json:"location"`
			Suppression *struct{ Kind string } `json:"suppression"`
		} `json:"findings"`
		Problems []struct{ Path, Message string } `json:"problems"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range doc.Findings {
		kind := "none"
		if f.Suppression != nil {
			kind = f.Suppression.Kind
		}
		got[f.Location.Path] = kind
	}
	if got["a.go"] != "inline" || got["b.go"] != "none" {
		t.Errorf("suppression by file = %v, want a.go inline and b.go none", got)
	}
	if len(doc.Problems) == 0 {
		t.Error("a directive without a reason must be reported as a problem")
	}
}

func TestScanConfigErrorsNameFileAndLine(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"palisade.yaml": "scan:\n  fail-on: high\n  scaners: [secret]\n",
	})
	_, err := runCLI(t, "scan", dir)
	if ExitCode(err) != 2 || err == nil || !strings.Contains(err.Error(), "palisade.yaml:3") {
		t.Fatalf("want a tool error naming palisade.yaml:3, got exit %d: %v", ExitCode(err), err)
	}
}

func TestScanFlagsOverrideConfig(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"palisade.yaml": "scan:\n  fail-on: critical\n",
		"x.go":          "package x\n\nvar token = \"" + testToken + "\"\n",
	})
	if _, err := runCLI(t, "scan", dir); ExitCode(err) != 0 {
		t.Fatalf("config fail-on critical: exit %d (%v), want 0 (the finding is high)", ExitCode(err), err)
	}
	if _, err := runCLI(t, "scan", dir, "--fail-on", "high"); !errors.Is(err, ErrGate) {
		t.Fatalf("flag --fail-on high must override the file: %v", err)
	}
	t.Setenv("PALISADE_SCAN_FAIL_ON", "low")
	if _, err := runCLI(t, "scan", dir); !errors.Is(err, ErrGate) {
		t.Fatalf("PALISADE_SCAN_FAIL_ON=low must override the file: %v", err)
	}
}

func TestListRules(t *testing.T) {
	out, err := runCLI(t, "scan", "--list-rules", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n"); n < 150 {
		t.Errorf("--list-rules listed %d rules, want at least 150", n)
	}
}

func TestScanNamedIgnoreFileMustExist(t *testing.T) {
	dir := writeTree(t, map[string]string{"x.go": "package x\n"})
	if _, err := runCLI(t, "scan", dir); err != nil {
		t.Fatalf("the default ignore file is optional: %v", err)
	}
	_, err := runCLI(t, "scan", dir, "--ignore-file", "missing.yaml")
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("a named, missing ignore file must fail the scan naming it; got exit %d: %v", ExitCode(err), err)
	}
}

func TestScanReportsADirectiveForAnUnknownRule(t *testing.T) {
	dir := writeTree(t, map[string]string{"config.go": "package app\n\nvar token = \"" + testToken + "\" // palisade:ignore postgres-url-pasword test fixture\n"})
	out, err := runCLI(t, "scan", dir)
	if ExitCode(err) != 1 {
		t.Fatalf("exit %d (%v): a directive for a misspelt rule must not suppress", ExitCode(err), err)
	}
	if !strings.Contains(out, `names rule "postgres-url-pasword", which no scanner that ran has`) {
		t.Errorf("the misspelt rule is not reported:\n%s", out)
	}
}

func TestScanWritesIntoAPipeWithoutReplacingIt(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.go": "package main\n"})
	fifo := filepath.Join(t.TempDir(), "report.pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo) // blocks until the scan opens the pipe for writing
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	if _, err := runCLI(t, "scan", dir, "--format", "json:"+fifo); err != nil {
		t.Fatal(err)
	}
	b := <-got
	if !json.Valid(b) || len(b) == 0 {
		t.Errorf("the reader got %d bytes of invalid JSON", len(b))
	}
	fi, err := os.Lstat(fifo)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the output path is no longer a named pipe: %v %v (the report was renamed over it)", fi.Mode(), err)
	}
	if _, err := runCLI(t, "scan", dir, "--format", "json:"+t.TempDir()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory as the output: %v, want an error saying it is a directory", err)
	}
}

// The summary says which problems failed the gate and which were accepted, in the table and JSON.
func TestGateSummaryNamesAcceptedProblems(t *testing.T) {
	files := withProblem(map[string]string{"main.go": "package main\n"})
	files["palisade.yaml"] = "scan:\n  accept-problems: [suppression]\n"
	dir := writeTree(t, files)
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	out, err := runCLI(t, "scan", dir, "--format", "table,json:"+jsonPath)
	if err != nil {
		t.Fatalf("accepted problem failed the gate: %v", err)
	}
	if !strings.Contains(out, "(suppression, accepted)") || !strings.Contains(out, "0 fail the gate; 1 accepted") {
		t.Errorf("the table does not say the problem was accepted:\n%s", out)
	}
	var doc struct {
		Problems []struct {
			Kind     string
			Accepted bool
		}
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Problems) != 1 || doc.Problems[0].Kind != "suppression" || !doc.Problems[0].Accepted {
		t.Errorf("JSON problems = %+v, want one accepted suppression problem", doc.Problems)
	}

	files["palisade.yaml"] = "scan:\n  accept-problems: [no-such-kind]\n"
	_, err = runCLI(t, "scan", writeTree(t, files))
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "palisade.yaml:2") || !strings.Contains(err.Error(), `unknown problem kind "no-such-kind"`) {
		t.Errorf("unknown kind: err %v, want a config error naming file, line and kind", err)
	}
}

// Flags the docs promise: --exclude repeats (it kept only the last value), --no-gitignore,
// --no-default-skips and --db-dir exist and reach the configuration.
func TestScanFlagsReachTheConfiguration(t *testing.T) {
	var got *config.Config
	app, _, _ := testApp()
	inner := app.Builtins.Scanners[0].New
	app.Builtins.Scanners[0].New = func(ctx context.Context, cfg *config.Config) (scan.Analyzer, error) {
		got = cfg
		return inner(ctx, cfg)
	}
	root := Root(app)
	dir := writeTree(t, map[string]string{"main.go": "package main\n"})
	root.SetArgs([]string{"scan", dir, "--exclude", "a/**", "--exclude", "b/**,c/*.pem", "--no-gitignore",
		"--no-default-skips", "--db-dir", "/srv/osv", "--accept-problems", "parse", "--accept-problems", "render"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := config.Default()
	want.Scan.Exclude = []string{"a/**", "b/**", "c/*.pem"}
	want.Scan.Gitignore, want.Scan.DefaultSkips = false, false
	want.Scan.AcceptProblems = []string{"parse", "render"}
	want.Deps.DBDir = "/srv/osv"
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(config.Config{})); diff != "" {
		t.Errorf("configuration (-want +got):\n%s", diff)
	}
	if o := got.Origin("scan.gitignore"); o.String() != "flag --no-gitignore" {
		t.Errorf("scan.gitignore comes from %s, want flag --no-gitignore", o)
	}
}

// Every --exclude counts: two files with a secret each, both excluded by separate flags.
func TestScanExcludeRepeats(t *testing.T) {
	secret := "package app\n\nvar token = \"" + testToken + "\"\n"
	dir := writeTree(t, map[string]string{"a/x.go": secret, "b/y.go": secret})
	if out, err := runCLI(t, "scan", dir, "--exclude", "a/", "--exclude", "b/"); err != nil {
		t.Fatalf("both directories excluded, still: %v\n%s", err, out)
	}
	if _, err := runCLI(t, "scan", dir, "--exclude", "a/"); ExitCode(err) != 1 {
		t.Fatalf("only a/ excluded: exit %d, want 1", ExitCode(err))
	}
}

// --no-gitignore scans what .gitignore hides.
func TestScanNoGitignore(t *testing.T) {
	dir := writeTree(t, map[string]string{".gitignore": "secret.go\n", "secret.go": "package app\n\nvar token = \"" + testToken + "\"\n"})
	if _, err := runCLI(t, "scan", dir); err != nil {
		t.Fatalf("ignored file scanned by default: %v", err)
	}
	if _, err := runCLI(t, "scan", dir, "--no-gitignore"); ExitCode(err) != 1 {
		t.Fatalf("--no-gitignore: exit %d (%v), want 1", ExitCode(err), err)
	}
}

// An ignore entry for a rule no scanner has is a problem (kind suppression) that fails the gate.
func TestScanReportsAnIgnoreEntryForAnUnknownRule(t *testing.T) {
	dir := writeTree(t, map[string]string{
		".palisadeignore.yaml": "version: 1\nignore:\n  - rule: postgres-url-pasword\n    reason: typo\n",
		"main.go":              "package main\n",
	})
	out, err := runCLI(t, "scan", dir)
	if ExitCode(err) != 2 || !strings.Contains(out, `.palisadeignore.yaml:3  ignore entry names rule "postgres-url-pasword", which no scanner has`) {
		t.Fatalf("exit %d (%v), want 2 and the entry named:\n%s", ExitCode(err), err, out)
	}
}

// A match-all ignore entry stops the scan with the file, line and reason.
func TestScanRefusesAMatchAllIgnoreEntry(t *testing.T) {
	dir := writeTree(t, map[string]string{
		".palisadeignore.yaml": "version: 1\nignore:\n  - paths: ['**']\n    reason: silence\n",
		"config.go":            "package app\n\nvar token = \"" + testToken + "\"\n",
	})
	_, err := runCLI(t, "scan", dir)
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), ".palisadeignore.yaml:3:5: ignore[0]: this entry matches every finding") {
		t.Fatalf("err %v (exit %d), want exit 2 naming the entry", err, ExitCode(err))
	}
}

// iac.disable naming a check the IaC scanner does not have is a configuration error.
func TestScanRefusesUnknownIaCDisable(t *testing.T) {
	app, _, _ := testApp()
	app.Builtins.Scanners = append(app.Builtins.Scanners, Scanner{Name: "iac", Summary: "iac",
		New: func(_ context.Context, cfg *config.Config) (scan.Analyzer, error) {
			return scaniac.New(iacengine.Options{Disable: cfg.IaC.Disable})
		}})
	for _, tc := range []struct {
		disable string
		want    string
	}{
		{"k8s-readiness-probe", ""},
		{"k8s-probes-missing", `palisade.yaml:2:13: iac.disable[0]: no iac rule has the ID "k8s-probes-missing"`},
	} {
		dir := writeTree(t, map[string]string{"palisade.yaml": "iac:\n  disable: [" + tc.disable + "]\n", "main.go": "package main\n"})
		root := Root(app)
		root.SetArgs([]string{"scan", dir})
		err := root.ExecuteContext(context.Background())
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("disable %s: err %v, want %q", tc.disable, err, tc.want)
		}
	}
}

// A cancelled scan says so once, naming the target once (it read "scan X: scan X: context canceled").
func TestCancelledScanNamesTheTargetOnce(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.txt": "hello\n"})
	app, _, _ := testApp()
	root := Root(app)
	root.SetArgs([]string{"scan", dir})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := root.ExecuteContext(ctx)
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := strings.Count(err.Error(), dir); n != 1 {
		t.Errorf("the target is named %d times in %q, want once", n, err)
	}
}
