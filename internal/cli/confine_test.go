package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A scanned repository's palisade.yaml cannot reach outside the repository: reports it names
// are written inside it or refused, and policies, ignore files, baselines and values files it
// names must lie inside it; the refusal says so and never shows the outside file.
func TestRepoConfigStaysInsideTheRepository(t *testing.T) {
	outside := t.TempDir()
	secretPath := filepath.Join(outside, "secret.txt")
	const outsideContent = "TOP-SECRET-CONTENT-OUTSIDE"
	if err := os.WriteFile(secretPath, []byte(outsideContent+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(outside, "victim.json")
	for _, tc := range []struct {
		name   string
		config string
		setup  func(t *testing.T, dir string)
		want   string
	}{
		{"absolute report path", "scan:\n  formats: [\"json:" + victim + "\"]\n", nil, `scan.formats[0]: "` + victim + `" is outside the scanned directory`},
		{"absolute report path, long form", "scan:\n  formats:\n    - format: json\n      output: " + victim + "\n", nil, "is outside the scanned directory"},
		{"report path with ..", "scan:\n  formats: [\"json:../victim.json\"]\n", nil, "is outside the scanned directory"},
		{"report through a linked directory", "scan:\n  formats: [\"json:out/victim.json\"]\n",
			func(t *testing.T, dir string) { symlink(t, outside, filepath.Join(dir, "out")) }, "is outside the scanned directory"},
		{"report into .git", "scan:\n  formats: [\"json:.git/config\"]\n",
			func(t *testing.T, dir string) { os.Mkdir(filepath.Join(dir, ".git"), 0o755) }, "inside .git"},
		{"report into a nested repository's .git", "scan:\n  formats: [\"json:sub/.Git/config\"]\n",
			func(t *testing.T, dir string) { os.MkdirAll(filepath.Join(dir, "sub", ".Git"), 0o755) }, "inside .git"},
		{"report through a link into .git", "scan:\n  formats: [\"json:out/config\"]\n",
			func(t *testing.T, dir string) {
				os.Mkdir(filepath.Join(dir, ".git"), 0o755)
				symlink(t, ".git", filepath.Join(dir, "out"))
			}, "passes through the symbolic link out"},
		{"policy outside", "iac:\n  policies: [\"" + secretPath + "\"]\n", nil, "iac.policies[0]"},
		{"policy with ..", "iac:\n  policies: [\"../../../../../../../../" + secretPath + "\"]\n", nil, "is outside the scanned directory"},
		{"policy through a link", "iac:\n  policies: [\"p.yaml\"]\n",
			func(t *testing.T, dir string) { symlink(t, secretPath, filepath.Join(dir, "p.yaml")) }, "is outside the scanned directory"},
		{"rego directory holding a link out", "iac:\n  rego: [\"policy\"]\n",
			func(t *testing.T, dir string) {
				os.Mkdir(filepath.Join(dir, "policy"), 0o755)
				symlink(t, secretPath, filepath.Join(dir, "policy", "evil.rego"))
			}, "a link that leads outside"},
		{"helm values outside", "iac:\n  helm-values: [\"/etc/passwd\"]\n", nil, "iac.helm-values[0]"},
		{"ignore file outside", "scan:\n  ignore-file: ../ignore.yaml\n", nil, "scan.ignore-file: \"../ignore.yaml\" is outside the scanned directory"},
		{"ignore file through a link", "scan:\n  ignore-file: ign.yaml\n",
			func(t *testing.T, dir string) { symlink(t, secretPath, filepath.Join(dir, "ign.yaml")) }, "scan.ignore-file: \"ign.yaml\" is outside the scanned directory"},
		{"baseline outside", "scan:\n  baseline: " + secretPath + "\n", nil, "scan.baseline"},
		{"vulnerability database", "deps:\n  db-dir: vulndb\n", nil, "may not choose the vulnerability database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"palisade.yaml": tc.config, "main.go": "package main\n"})
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			out, err := runCLI(t, "scan", dir)
			if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (exit %d), want exit 2 mentioning %q", err, ExitCode(err), tc.want)
			}
			if !strings.Contains(err.Error(), "palisade.yaml:") {
				t.Errorf("the error does not name the file and line: %v", err)
			}
			if strings.Contains(err.Error()+out, outsideContent) {
				t.Errorf("the outside file's content was shown: %v", err)
			}
			if _, err := os.Stat(victim); err == nil {
				t.Errorf("a report was written outside the repository")
			}
		})
	}
}

// Reports a repository's configuration names are written inside it, relative to it whatever the
// working directory; a link planted where the report goes is replaced, not followed.
func TestRepoConfigReportsAreWrittenInside(t *testing.T) {
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim.json")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := writeTree(t, map[string]string{
		"palisade.yaml": "scan:\n  formats: [table, \"json:reports/r.json\", \"sarif:linked.sarif\"]\n",
		"main.go":       "package main\n",
	})
	os.Mkdir(filepath.Join(dir, "reports"), 0o755)
	symlink(t, victim, filepath.Join(dir, "linked.sarif"))
	t.Chdir(outside)
	if _, err := runCLI(t, "scan", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "reports", "r.json")); err != nil {
		t.Errorf("report not written inside the repository: %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the file behind the link was overwritten: %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "linked.sarif")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("linked.sarif should now be a regular file: %v %v", fi, err)
	}
}

// The user's own choices may name other places: --config, flags.
func TestUserConfigMayNameOtherPlaces(t *testing.T) {
	outside := t.TempDir()
	report := filepath.Join(outside, "r.json")
	cfgFile := filepath.Join(outside, "palisade.yaml")
	if err := os.WriteFile(cfgFile, []byte("scan:\n  formats: [table, \"json:"+report+"\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ignore := filepath.Join(outside, "ignore.yaml")
	if err := os.WriteFile(ignore, []byte("version: 1\nignore: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := writeTree(t, map[string]string{"main.go": "package main\n"})
	if _, err := runCLI(t, "scan", dir, "--config", cfgFile); err != nil {
		t.Fatalf("--config naming an outside report: %v", err)
	}
	if _, err := os.Stat(report); err != nil {
		t.Errorf("report not written: %v", err)
	}
	rel, err := filepath.Rel(dir, ignore)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, "scan", dir, "--ignore-file", rel); err != nil {
		t.Errorf("--ignore-file %s (outside, relative to the root): %v", rel, err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
}

// The default ignore file, planted as a link to a file outside, is not read, and the refusal
// says why without its content.
func TestDefaultIgnoreFileLinkedOutside(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "x.yaml")
	if err := os.WriteFile(outside, []byte("OUTSIDE-CONTENT: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := writeTree(t, map[string]string{"main.go": "package main\n"})
	symlink(t, outside, filepath.Join(dir, ".palisadeignore.yaml"))
	_, err := runCLI(t, "scan", dir)
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "leads outside the scanned directory") || strings.Contains(err.Error(), "OUTSIDE-CONTENT") {
		t.Fatalf("err %v, want exit 2 saying the file leads outside", err)
	}
}
