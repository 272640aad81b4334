package scan_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/finding"
	iacengine "github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/scan/gitlog/gittest"
	"github.com/palisade-sec/palisade/internal/scan/iac"
	"github.com/palisade-sec/palisade/internal/scan/secret"
)

// token returns a distinct GitHub-token-shaped string per name (never issued by GitHub).
func token(name string) string {
	const cs = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b strings.Builder
	b.WriteString("ghp_")
	x := uint64(len(name))*0x9E3779B97F4A7C15 | 1
	for _, c := range name {
		x ^= uint64(c) * 0xBF58476D1CE4E5B9
	}
	for range 36 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b.WriteByte(cs[x%uint64(len(cs))])
	}
	return b.String()
}

const privilegedPod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: web\n    image: web:1\n    securityContext:\n      privileged: true\n"

// TestEvasionsAreFoundOrFailTheGate builds a tree whose every file tries to slip a secret or a
// misconfiguration past the engine — ignored but tracked, padded past the size limit, behind a
// NUL byte, inside a binary or a stored zip, across a chunk boundary, dressed as Palisade's own
// output, an IaC file over the limit — and requires each to be found or named as a problem.
func TestEvasionsAreFoundOrFailTheGate(t *testing.T) {
	const limit = 64 << 10
	repo := gittest.New(t)
	root := repo.Dir
	write := func(name string, data []byte) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	secrets := map[string]string{} // path → planted token
	plant := func(name string, data []byte, tok string) {
		write(name, data)
		secrets[name] = tok
	}

	plant(".env", []byte("GITHUB_TOKEN="+token("tracked")+"\n"), token("tracked"))
	repo.Git("add", ".env")
	write(".gitignore", []byte(".env\n"))

	plant("padded.txt", fmt.Appendf(nil, "%s\ntoken=%s\n", strings.Repeat("x", 3*limit), token("padded")), token("padded"))
	longLine := bytes.Repeat([]byte("abc=def/"), (3<<20)/8) // a 3 MiB single line
	plant("one-line.min.txt", fmt.Appendf(nil, "%s token=%s\n", longLine, token("oneline")), token("oneline"))
	// A token across the streaming chunk boundary (1 MiB of new bytes per chunk).
	cut := make([]byte, 0, 2<<20)
	cut = append(cut, bytes.Repeat([]byte("filler line\n"), (1<<20)/12)...)
	cut = cut[:1<<20-20]
	cut = fmt.Appendf(cut, "\ntoken=%s\n%s", token("cut"), bytes.Repeat([]byte("z\n"), 1<<19))
	plant("chunked.log", cut, token("cut"))
	plant("nul.env", []byte("a\x00b\nGITHUB_TOKEN="+token("nul")+"\n"), token("nul"))
	plant("tool.bin", append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00"), "\x00\x00GITHUB_TOKEN="+token("elf")+"\x00\x00"...), token("elf"))
	plant("big.bin", append(bytes.Repeat([]byte{0, 1, 2, 3}, limit), "\x00GITHUB_TOKEN="+token("bigbin")+"\x00"...), token("bigbin"))
	plant("stored.zip", []byte("PK\x03\x04\x0a\x00\x00\x00\x00\x00\x00\x00.env\nGITHUB_TOKEN="+token("zip")+"\n"), token("zip"))
	plant("report.json", []byte(`{"schemaVersion":"1.0.0","tool":{"name":"palisade"},"findings":[],"target":"GITHUB_TOKEN=`+token("report")+`"}`), token("report"))
	write("deploy/pod.yaml", []byte(privilegedPod))
	write("deploy/padded.yaml", []byte(strings.Repeat("# padding\n", limit/5)+privilegedPod))

	ia, err := iac.New(iacengine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sa := secret.New(secret.Options{})
	run, err := scan.Dir(context.Background(), root, scan.Options{Analyzers: []scan.Analyzer{sa, ia}, MaxFileSize: limit})
	if err != nil {
		t.Fatal(err)
	}
	problemAt := map[string]bool{}
	for _, p := range run.Problems {
		problemAt[p.Path] = true
	}
	for path, tok := range secrets {
		found := false
		for _, f := range run.Findings {
			found = found || f.Location.Path == path && f.Scanner == "secret" &&
				f.Fingerprint == finding.Fingerprint(f.RuleID, path, tok)
		}
		if !found && !problemAt[path] {
			t.Errorf("%s: the planted token was neither found nor reported as a problem", path)
		}
	}
	for _, path := range []string{"deploy/pod.yaml", "deploy/padded.yaml"} {
		found := false
		for _, f := range run.Findings {
			found = found || f.Location.Path == path && f.RuleID == "k8s-privileged-container"
		}
		if !found && !problemAt[path] {
			t.Errorf("%s: the privileged container was neither found nor reported as a problem", path)
		}
	}
	if !problemAt["deploy/padded.yaml"] {
		t.Errorf("deploy/padded.yaml is over the limit: want a problem, got %+v", run.Problems)
	}
	for _, sk := range run.Skipped {
		if _, planted := secrets[sk.Path]; planted && sk.Reason != scan.SkipCompressed && sk.Reason != scan.SkipOwnOutput {
			t.Errorf("%s skipped (%s) although it holds a planted secret", sk.Path, sk.Reason)
		}
	}
	if t.Failed() {
		for _, f := range run.Findings {
			t.Logf("finding %s %s:%d", f.RuleID, f.Location.Path, f.Location.StartLine)
		}
		t.Logf("skipped %+v", run.Skipped)
	}
}
