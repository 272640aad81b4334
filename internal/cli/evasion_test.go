package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/config"
	iacengine "github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/inventory"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/scan/deps"
	scaniac "github.com/palisade-sec/palisade/internal/scan/iac"
	"github.com/palisade-sec/palisade/internal/scan/secret"
	"github.com/palisade-sec/palisade/internal/vulndb"
)

// noDB stands in for a database that is not there, as cmd/palisade does.
type noDB struct{ err error }

func (n noDB) Match(context.Context, []inventory.Package) (*vulndb.Result, error) { return nil, n.err }

// realScanners are the three scanners as cmd/palisade wires them (without Helm rendering).
func realScanners() []Scanner {
	return []Scanner{
		{Name: "secret", New: func(_ context.Context, cfg *config.Config) (scan.Analyzer, error) {
			a := secret.New(secret.Options{Disable: cfg.Secret.Disable})
			return a, a.Err()
		}},
		{Name: "deps", New: func(_ context.Context, cfg *config.Config) (scan.Analyzer, error) {
			x := deps.ExtractorFunc(inventory.Extract)
			db, err := vulndb.Open(cfg.Deps.DBDir)
			if errors.Is(err, vulndb.ErrNoDatabase) {
				return deps.New(noDB{err}, x, deps.Options{}), nil
			}
			if err != nil {
				return nil, err
			}
			return deps.New(db, x, deps.Options{}), nil
		}},
		{Name: "iac", New: func(_ context.Context, cfg *config.Config) (scan.Analyzer, error) {
			return scaniac.New(iacengine.Options{Disable: cfg.IaC.Disable, PolicyFiles: cfg.IaC.Policies})
		}},
	}
}

// Trees built to slip something past the gate in the ways this package decides: each planted
// secret or misconfiguration must be found (exit 1, named in the report) or the run must fail
// the gate naming why it could not vouch for it (exit 2). Exit 0 is never acceptable.
func TestEvasionsFailTheGate(t *testing.T) {
	dbDir := t.TempDir()
	if _, err := runDB(t, "db", "import", exportFromFixtures(t), "--db-dir", dbDir); err != nil {
		t.Fatal(err)
	}
	leak := "package app\n\nvar token = \"" + testToken + "\"\n"
	outside := t.TempDir()
	for _, tc := range []struct {
		name  string
		files map[string]string
		args  []string
		code  int
		want  string // in the error or the report
		ownDB bool   // no --db-dir: the case is about the database the repository names
	}{
		{"a planted secret, as a baseline", map[string]string{"app/config.go": leak}, nil, 1, testRule, false},
		{"no vulnerability database for a vulnerable lockfile", map[string]string{"go.mod": "module x\n\ngo 1.22\n\nrequire golang.org/x/net v0.7.0\n"},
			[]string{"--db-dir", t.TempDir()}, 2, "no-vulndb", false},
		{"a lockfile that does not parse", map[string]string{"package-lock.json": "{\"lockfileVersion\": 3, \"packages\": ["}, nil, 2, "parse", false},
		{"a Cargo.lock that does not parse", map[string]string{"Cargo.lock": "[[package]]\nname = \"x\"\nversion = \n"}, nil, 2, "parse", false},
		{"an ignore entry for everything", map[string]string{"app/config.go": leak,
			".palisadeignore.yaml": "version: 1\nignore:\n  - paths: ['**']\n    reason: nothing to see\n"}, nil, 2, "matches every finding", false},
		{"an ignore entry for every rule", map[string]string{"app/config.go": leak,
			".palisadeignore.yaml": "version: 1\nignore:\n  - rule: '*'\n    reason: nothing to see\n"}, nil, 2, "matches every finding", false},
		{"ignore patterns that together cover everything", map[string]string{"app/config.go": leak,
			".palisadeignore.yaml": "version: 1\nignore:\n  - paths: ['[a-z]*/**', '[!a-z]*/**', '?*']\n    reason: nothing to see\n"}, nil, 2, "matches every finding", false},
		{"a report written over a file outside", map[string]string{"app/config.go": leak,
			"palisade.yaml": "scan:\n  formats: [\"json:" + filepath.Join(outside, "owned.json") + "\"]\n"}, nil, 2, "outside the scanned directory", false},
		{"a policy read from outside", map[string]string{"palisade.yaml": "iac:\n  policies: [\"../../../../../../etc/passwd\"]\n"}, nil, 2, "outside the scanned directory", false},
		{"the repository's own empty vulnerability database", map[string]string{"palisade.yaml": "deps:\n  db-dir: db\n"}, nil, 2, "may not choose the vulnerability database", true},
		{"a disabled check that does not exist", map[string]string{"palisade.yaml": "iac:\n  disable: [k8s-privileged]\n"}, nil, 2, `no iac rule has the ID "k8s-privileged"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, tc.files)
			var out bytes.Buffer
			app := &App{Version: "test", Builtins: Builtins{Scanners: realScanners()}, Stdout: &out, Stderr: &out}
			root := Root(app)
			args := []string{"scan", dir, "--no-progress"}
			if !tc.ownDB {
				args = append(args, "--db-dir", dbDir)
			}
			root.SetArgs(append(args, tc.args...))
			err := root.ExecuteContext(context.Background())
			msg := out.String()
			if err != nil {
				msg += "\n" + err.Error()
			}
			if got := ExitCode(err); got != tc.code || !strings.Contains(msg, tc.want) {
				t.Fatalf("exit %d, want %d naming %q:\n%s", got, tc.code, tc.want, msg)
			}
			if strings.Contains(msg, testPassword) {
				t.Error("the secret was printed in full")
			}
			if _, err := os.Stat(filepath.Join(outside, "owned.json")); err == nil {
				t.Error("a report was written outside the repository")
			}
		})
	}
}
