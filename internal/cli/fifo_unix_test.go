//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A named pipe that a repository's palisade.yaml names as an input (a values file, a policy, a
// file in a Rego directory) is refused before anything opens it: opening it would block the
// scan until a writer came, which is never.
func TestRepoConfigRefusesNamedPipes(t *testing.T) {
	for _, tc := range []struct{ name, config, fifo, want string }{
		{"helm values", "iac:\n  helm-values: [\"values.yaml\"]\n", "values.yaml", `iac.helm-values[0]: "values.yaml" is not a regular file`},
		{"policy", "iac:\n  policies: [\"p.yaml\"]\n", "p.yaml", `iac.policies[0]: "p.yaml" is not a regular file`},
		{"rego directory", "iac:\n  rego: [\"policy\"]\n", "policy/evil.rego", `iac.rego[0]: "policy/evil.rego" is not a regular file`},
		{"baseline", "scan:\n  baseline: base.json\n", "base.json", `scan.baseline: "base.json" is not a regular file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"palisade.yaml": tc.config, "main.go": "package main\n"})
			p := filepath.Join(dir, filepath.FromSlash(tc.fifo))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Skipf("no named pipes here: %v", err)
			}
			_, err := runCLI(t, "scan", dir)
			if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (exit %d), want exit 2 with %q", err, ExitCode(err), tc.want)
			}
		})
	}
}
