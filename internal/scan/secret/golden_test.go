package secret

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/scan"
)

// goldenTree is a small repository of the files secrets leak into, built from synthetic values so
// no token-shaped literal sits in the source tree.
func goldenTree() fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	aws := "AKIA" + fake("golden-akia", 16, csBase32)
	return fstest.MapFS{
		".env": file("# local settings\nAPP_ENV=prod\nDATABASE_URL=postgres://app:" + fake("golden-pg", 18, csAlnum) +
			"@db.internal:5432/app\nSTRIPE_SECRET_KEY=sk_live_" + fake("golden-stripe", 32, csAlnum) + "\nSMTP_PASSWORD=${SMTP_PASSWORD}\n"),
		"deploy/values.yaml": file("image: app:1.2\nenv:\n  - name: AWS_ACCESS_KEY_ID\n    value: " + aws +
			"\n  - name: AWS_SECRET_ACCESS_KEY\n    value: changeme\nslack:\n  webhook: https://hooks.slack.com/services/T" +
			fake("golden-t", 10, csUpperAlnum) + "/B" + fake("golden-b", 10, csUpperAlnum) + "/" + fake("golden-w", 24, csAlnum) + "\n"),
		"cmd/app/main.go": file("package main\n\nconst apiToken = \"ghp_" + fake("golden-ghp", 36, csAlnum) +
			"\" // héllo\n\nfunc connect(cfg Config) {\n\tpassword := cfg.Password\n\tdb.Open(\"sqlserver\", \"Server=sql;Database=x;User Id=sa;Password=" +
			fake("golden-ado", 14, csAlnum) + ";\")\n}\n"),
		"keys/id_ed25519": file(fakePEM("OPENSSH PRIVATE KEY", "golden-ssh", "\n") + "\n"),
		"config/app.json": file("{\n  \"name\": \"app\",\n  \"blob\": \"" +
			base64.StdEncoding.EncodeToString([]byte("gitlab_token=glpat-"+fake("golden-glpat", 20, csB64URL))) + "\"\n}\n"),
		"docs/README.md": file("Set `password: <your password>` and `token: ${TOKEN}` in config.\n"),
	}
}

// TestGoldenTree scans the tree and compares the findings — rule, place, redacted snippet,
// fingerprint, properties — with testdata/tree.golden.json; -update rewrites the golden file.
func TestGoldenTree(t *testing.T) {
	a := New(Options{})
	tree := goldenTree()
	var got []finding.Finding
	err := fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(tree, p)
		if err != nil {
			return err
		}
		fs, err := a.AnalyzeFile(context.Background(), &scan.File{Path: p, Content: b})
		got = append(got, fs...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	finding.Sort(got)
	for i := range got { // rule text is checked elsewhere; keep the golden file about placement
		got[i].Description, got[i].Remediation, got[i].Title = "", "", ""
	}
	path := filepath.Join("testdata", "tree.golden.json")
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	var want []finding.Finding
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings differ from %s (-want +got):\n%s", path, diff)
	}
}
