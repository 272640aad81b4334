package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/cli"
	"github.com/palisade-sec/palisade/internal/scan/gitlog/gittest"
)

// evasionSecret is a made-up database password the secret rules rate high.
const evasionSecret = "postgres://app:Qz7vK2mX9rL4tW8pN3@db.internal:5432/app"

// privilegedPod is a manifest with a misconfiguration every IaC run must see.
const privilegedPod = `apiVersion: v1
kind: Pod
metadata:
  name: evade
spec:
  containers:
    - name: evade
      image: busybox:1.36
      securityContext:
        privileged: true
`

// A tree built to slip secrets and misconfigurations past the gate: every plant must come back
// either as a finding in its file or as a problem naming it, and the default gate must fail.
// Each plant is one way the gate used to pass without having checked an input (issue 12).
func TestGateCannotBeEvaded(t *testing.T) {
	repo := gittest.New(t) // the tracked-but-ignored plant needs a git work tree
	dir := repo.Dir
	pad := strings.Repeat("# padding line, nothing to see here .................................\n", 11<<20/70)

	plants := map[string]string{
		// tracked by git, ignored later: git does not ignore tracked files, neither may the scan
		".env": "DATABASE_URL=" + evasionSecret + "\n",
		// padded past --max-file-size (10 MiB)
		"docs/big.txt": pad + "db = \"" + evasionSecret + "\"\n",
		// a NUL byte in the first 8 KiB used to make a text file "binary" and unscanned
		"assets/blob.dat": "\x00\x01\x02header\x00\n" + "conn=" + evasionSecret + "\n",
		// a Helm chart whose defaults do not render (required value missing)
		"charts/web/templates/pod.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: {{ required "name is required" .Values.name }}
spec:
  containers:
    - name: web
      image: busybox:1.36
      securityContext:
        privileged: true
`,
		// a manifest past the IaC scanner's own 8 MiB cap but under --max-file-size
		"deploy/huge.yaml": strings.Repeat("# filler comment line to get past the old IaC cap ...............\n", 9<<20/68) + privilegedPod,
		// a lockfile that does not parse
		"web/package-lock.json": "{ this is not json",
	}
	for name, body := range plants {
		write(t, dir, name, body)
	}
	write(t, dir, "charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
	write(t, dir, "charts/web/values.yaml", "replicas: 1\n")
	repo.Commit("plants")
	write(t, dir, ".gitignore", ".env\n")

	t.Setenv("PALISADE_DB_DIR", t.TempDir()) // no vulnerability database: itself a problem
	report := filepath.Join(t.TempDir(), "r.json")
	_, err := run(t, "scan", dir, "--format", "json", "--output", report)
	if code := cli.ExitCode(err); code == 0 {
		t.Fatalf("the default gate passed a tree built to evade it")
	}
	var doc struct {
		Findings []struct {
			RuleID   string
			Location struct{ Path string }
		}
		Problems []struct{ Path, Scanner, Message, Kind string }
	}
	b, rerr := os.ReadFile(report)
	if rerr != nil {
		t.Fatalf("no report: %v (scan error: %v)", rerr, err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for name := range plants {
		seen := false
		for _, f := range doc.Findings {
			seen = seen || f.Location.Path == name || strings.HasPrefix(f.Location.Path, name+"/")
		}
		for _, p := range doc.Problems {
			seen = seen || p.Path == name || strings.Contains(p.Message, name)
		}
		// a chart's problem may name the chart directory rather than the template
		if strings.HasPrefix(name, "charts/web/") {
			for _, f := range doc.Findings {
				seen = seen || strings.HasPrefix(f.Location.Path, "charts/web")
			}
			for _, p := range doc.Problems {
				seen = seen || strings.HasPrefix(p.Path, "charts/web")
			}
		}
		if !seen {
			t.Errorf("%s: neither found nor named as a problem", name)
		}
	}
	for _, want := range []string{".env", "docs/big.txt", "assets/blob.dat"} {
		found := false
		for _, f := range doc.Findings {
			found = found || (f.Location.Path == want && strings.Contains(f.RuleID, "postgres"))
		}
		if !found {
			t.Errorf("%s: the planted secret was not found (a secret scanner can read this file)", want)
		}
	}
	// Each producer names the kind of what it could not check, so a user accepting one kind
	// accepts exactly that; "other" here would mean a producer left its problem unclassified.
	for _, p := range doc.Problems {
		if p.Kind == "" || p.Kind == "other" {
			t.Errorf("problem without a kind from its producer: %+v", p)
		}
	}
	if !bytes.Contains(b, []byte("package-lock.json")) {
		t.Errorf("the unparseable lockfile is not named in the report")
	}
}
