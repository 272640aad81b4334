package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/cli"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := cli.Root(&cli.App{Version: "test", Builtins: cli.Builtins{Scanners: scanners()}, Stdout: &out, Stderr: &errb})
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String() + errb.String(), err
}

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.2.3
`

// The built-in list wires users' Rego policies (conftest convention) into the IaC scanner.
func TestIaCRunsRegoPolicies(t *testing.T) {
	if regoOmitted {
		t.Skip("this build omits the Rego engine (palisade_omit_rego); TestOmittedRegoRefuses covers it")
	}
	dir := t.TempDir()
	write(t, dir, "deploy.yaml", deployment)
	write(t, dir, "policy/labels.rego", `package main

import rego.v1

deny contains msg if {
	input.kind == "Deployment"
	not input.metadata.labels.team
	msg := sprintf("deployment %s has no team label", [input.metadata.name])
}
`)
	t.Chdir(dir) // policy paths are relative to the working directory
	report := filepath.Join(t.TempDir(), "r.json")
	_, err := run(t, "scan", ".", "--scanners", "iac", "--format", "json", "--output", report, "--fail-on", "critical")
	if cli.ExitCode(err) == 2 {
		t.Fatal(err)
	}
	t.Setenv("PALISADE_IAC_REGO", "policy/")
	_, err = run(t, "scan", ".", "--scanners", "iac", "--format", "json", "--output", report, "--fail-on", "critical")
	if cli.ExitCode(err) == 2 {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(report)
	if !bytes.Contains(b, []byte("has no team label")) {
		t.Errorf("the Rego deny rule's message is not in the report:\n%.2000s", b)
	}

	write(t, dir, "policy/broken.rego", "package main\n\ndeny contains msg if {\n")
	_, err = run(t, "scan", ".", "--scanners", "iac")
	if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "broken.rego") {
		t.Fatalf("a policy that does not compile must fail the scan naming the file; got exit %d: %v", cli.ExitCode(err), err)
	}
}

// Without a vulnerability database, deps asked for by name is a tool error; deps run only by
// default is reported as a problem that fails the gate unless accepted, and the other scanners'
// results still count.
func TestDepsWithoutDatabase(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "go.mod", "module example.com/x\n\ngo 1.22\n\ntoolchain go1.22.5\n\nrequire golang.org/x/net v0.7.0\n")
	t.Setenv("PALISADE_DB_DIR", t.TempDir())

	_, err := run(t, "scan", dir, "--scanners", "deps")
	if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "palisade db update") {
		t.Fatalf("explicit deps without a database: exit %d (%v), want 2 with the fix in the message", cli.ExitCode(err), err)
	}
	report := filepath.Join(t.TempDir(), "r.json")
	if _, err := run(t, "scan", dir, "--format", "json", "--output", report); cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "no-vulndb") {
		t.Fatalf("default scanners without a database: exit %d (%v), want 2 naming no-vulndb", cli.ExitCode(err), err)
	}
	if _, err := run(t, "scan", dir, "--format", "json", "--output", report, "--accept-problems", "no-vulndb"); err != nil {
		t.Fatalf("default scanners without a database, no-vulndb accepted: %v", err)
	}
	var doc struct {
		Scanners []string
		Problems []struct {
			Scanner, Message, Kind string
			Accepted               bool
		}
	}
	b, _ := os.ReadFile(report)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range doc.Problems {
		found = found || (p.Scanner == "deps" && strings.Contains(p.Message, "palisade db update") && p.Kind == "no-vulndb" && p.Accepted)
	}
	if !found || len(doc.Scanners) != 4 {
		t.Errorf("want all four scanners and a deps problem naming the fix; got scanners %v, problems %+v", doc.Scanners, doc.Problems)
	}
}

// Inline directives suppress IaC findings in YAML, Dockerfiles and HCL, which needs every IaC
// finding on the exact line of the offending field.
func TestIaCInlineSuppressionAcrossFormats(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "pod.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
    - name: debug
      image: busybox:1.36
      securityContext:
        # palisade:ignore k8s-privileged-container node debugging pod, deleted after use
        privileged: true
`)
	write(t, dir, "Dockerfile", "FROM alpine:3.20\n# palisade:ignore docker-pipe-to-shell installer checked by checksum upstream\nRUN curl -fsSL https://example.com/i.sh | sh\n")
	write(t, dir, "main.tf", `resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    # palisade:ignore * bastion reachable from the VPN range only
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`)
	report := filepath.Join(t.TempDir(), "r.json")
	if _, err := run(t, "scan", dir, "--scanners", "iac", "--format", "json", "--output", report, "--fail-on", "critical"); cli.ExitCode(err) == 2 {
		t.Fatal(err)
	}
	var doc struct {
		Findings []struct {
			RuleID   string
			Location struct {
				Path      string
				StartLine int
			}
			Suppression *struct{ Kind string }
		}
	}
	b, _ := os.ReadFile(report)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"k8s-privileged-container": "pod.yaml:11",
		"docker-pipe-to-shell":     "Dockerfile:3",
		"aws-sg-open-admin-port":   "main.tf:7",
	}
	for _, f := range doc.Findings {
		at, ok := want[f.RuleID]
		if !ok {
			continue
		}
		if got := fmt.Sprintf("%s:%d", f.Location.Path, f.Location.StartLine); got != at {
			t.Errorf("%s at %s, want %s", f.RuleID, got, at)
		}
		if f.Suppression == nil || f.Suppression.Kind != "inline" {
			t.Errorf("%s at %s is not suppressed inline", f.RuleID, at)
		}
		delete(want, f.RuleID)
	}
	if len(want) > 0 {
		t.Errorf("findings missing entirely: %v", want)
	}
}

// TestSastEndToEnd: palisade scan --scanners sast on a Go module reports the taint engine's and
// the Go rules' findings with paths relative to the scan root, a taint path as SARIF codeFlows,
// and honours gosec's #nosec by gosec rule ID (G401 is the weak-hash rule's, not the command's).
func TestSastEndToEnd(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "go.mod", "module example.com/svc\n\ngo 1.22\n")
	write(t, dir, "cmd/svc/main.go", `package main

import (
	"crypto/md5"
	"fmt"
	"net/http"
	"os/exec"
)

func run(w http.ResponseWriter, r *http.Request) {
	exec.Command(r.FormValue("c")).Run() // #nosec G401 -- names the wrong rule: still reported
}

func sum(b []byte) {
	fmt.Println(md5.Sum(b))
}

func etag(b []byte) {
	fmt.Println(md5.Sum(b)) // #nosec G401 -- an ETag, not a security use
}

func main() { http.HandleFunc("/run", run) }
`)
	out := t.TempDir()
	_, err := run(t, "scan", dir, "--scanners", "sast", "--fail-on", "critical",
		"--format", "json:"+filepath.Join(out, "r.json")+",sarif:"+filepath.Join(out, "r.sarif"))
	if cli.ExitCode(err) != 1 {
		t.Fatalf("exit %d (%v), want 1 for the critical command injection", cli.ExitCode(err), err)
	}
	var doc struct {
		Findings []struct {
			RuleID   string
			Location struct {
				Path      string
				StartLine int
			}
			Suppression *struct{ Reason string }
		}
		Problems []struct{ Message string }
		Stats    struct{ FilesScanned int }
	}
	b, _ := os.ReadFile(filepath.Join(out, "r.json"))
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range doc.Findings {
		s := fmt.Sprintf("%s %s:%d", f.RuleID, f.Location.Path, f.Location.StartLine)
		if f.Suppression != nil {
			s += " suppressed: " + f.Suppression.Reason
		}
		got = append(got, s)
	}
	slices.Sort(got)
	want := []string{
		"go-command-injection cmd/svc/main.go:11",
		"go-weak-hash cmd/svc/main.go:15",
		"go-weak-hash cmd/svc/main.go:19 suppressed: an ETag, not a security use",
	}
	if diff := cmp.Diff(want, got); diff != "" || len(doc.Problems) != 0 {
		t.Errorf("findings (-want +got):\n%s\nproblems: %+v", diff, doc.Problems)
	}
	if doc.Stats.FilesScanned != 1 {
		t.Errorf("the report says %d files scanned; the go command loaded the one source file", doc.Stats.FilesScanned)
	}
	sarif, _ := os.ReadFile(filepath.Join(out, "r.sarif"))
	if !strings.Contains(string(sarif), `"codeFlows"`) || !strings.Contains(string(sarif), `"gosec:G401"`) {
		t.Errorf("SARIF has no codeFlows for the taint path or no gosec tag on the rules")
	}
}
