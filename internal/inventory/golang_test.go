package inventory

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGoMod(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		want []view
	}{
		{
			name: "require blocks, indirect, replace and toolchain",
			dir:  "go/basic",
			want: []view{
				{Key: "Go/stdlib@1.22.5", Line: 5, Direct: true, Props: map[string]string{PropVersionSource: VersionFromToolchain, PropGoDirective: "1.22.1"}},
				{Key: "Go/github.com/go-chi/chi/v5@5.0.12", Line: 8, Direct: true},
				{Key: "Go/github.com/jackc/pgx/v5@5.5.4", Line: 9, Direct: true},
				{Key: "Go/golang.org/x/crypto@0.22.0", Line: 10, Direct: true, Props: map[string]string{PropReplaces: "golang.org/x/crypto@v0.21.0"}},
				{Key: "Go/github.com/acme/internal-lib@1.4.0", Line: 11, Direct: true, Props: map[string]string{PropLocalReplace: "../internal-lib"}},
				{Key: "Go/github.com/jackc/pgpassfile@1.0.0", Line: 15},
				{Key: "Go/github.com/jackc/pgservicefile@0.0.0-20221227161230-091c0ba34f0a", Line: 16},
				{Key: "Go/golang.org/x/text@0.14.0", Line: 17},
			},
		},
		{
			name: "go 1.16 takes the rest from go.sum and the stdlib from the go line",
			dir:  "go/legacy",
			want: []view{
				{Key: "Go/stdlib@1.16.0", Line: 3, Direct: true, Props: map[string]string{PropVersionSource: VersionFromGoDirective, PropGoDirective: "1.16"}},
				{Key: "Go/github.com/sirupsen/logrus@1.8.1", Line: 5, Direct: true},
				{Key: "Go/github.com/davecgh/go-spew@1.1.1", Line: 1},
				{Key: "Go/golang.org/x/sys@0.0.0-20191026070338-33540a1f6037", Line: 5},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, probs := extractDir(t, tt.dir)
			if len(probs) > 0 {
				t.Errorf("problems: %+v", probs)
			}
			if diff := cmp.Diff(tt.want, views(pkgs), viewOpts); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGoModDetails(t *testing.T) {
	pkgs, _ := extractDir(t, "go/basic")
	chi, _ := find(pkgs, "Go/github.com/go-chi/chi/v5@5.0.12")
	if chi.Hashes["h1"] != "9euLV5sTrTNTRUU9POmDUvfxyj6LAABLUcEWO+JJb4s=" {
		t.Errorf("chi h1 = %q, want go.sum's", chi.Hashes["h1"])
	}
	if chi.PURL != "pkg:golang/github.com/go-chi/chi/v5@v5.0.12" || chi.Location.Path != "go.mod" {
		t.Errorf("chi purl %q path %q", chi.PURL, chi.Location.Path)
	}
	crypto, _ := find(pkgs, "Go/golang.org/x/crypto@0.22.0")
	if crypto.Hashes["h1"] != "g1v0xeRhjcugydODzvb3mEM9SQ0HGp9s/nh3COQ/C30=" {
		t.Errorf("replaced crypto h1 = %q, want the replacement's go.sum hash", crypto.Hashes["h1"])
	}
	legacy, _ := extractDir(t, "go/legacy")
	spew, _ := find(legacy, "Go/github.com/davecgh/go-spew@1.1.1")
	if spew.Location.Path != "go.sum" {
		t.Errorf("a go.sum-only module is located at %q, want go.sum", spew.Location.Path)
	}
}

func TestGoModProblems(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		wantPath string
		wantLine int
		wantPkgs int
	}{
		{"syntax error in go.mod", map[string]string{"go.mod": "module x\n\ngo 1.22\n\nrequire github.com/a/b\n"}, "go.mod", 5, 0},
		{"bad go.sum line keeps go.mod packages", map[string]string{
			"go.mod": "module x\n\ngo 1.22\n\nrequire github.com/a/b v1.0.0\n",
			"go.sum": "github.com/a/b v1.0.0 h1:abc=\ngarbage\n",
		}, "go.sum", 2, 2},
		{"unknown toolchain name is not a version", map[string]string{"go.mod": "module x\n\ntoolchain default\n"}, "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, probs := extractMapWith(t, tt.files, []string{"go.mod"})
			if len(pkgs) != tt.wantPkgs {
				t.Errorf("got %d packages, want %d: %v", len(pkgs), tt.wantPkgs, views(pkgs))
			}
			if tt.wantPath == "" {
				if len(probs) != 0 {
					t.Errorf("problems = %+v, want none", probs)
				}
				return
			}
			if len(probs) != 1 || probs[0].Path != tt.wantPath || probs[0].Line != tt.wantLine {
				t.Errorf("problems = %+v, want one at %s:%d", probs, tt.wantPath, tt.wantLine)
			}
		})
	}
}

func TestGoToolchainVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"go1.22.5", "1.22.5"},
		{"go1.21", "1.21.0"},
		{"go1.23rc1", "1.23.0-rc.1"},
		{"go1.20beta2", "1.20.0-beta.2"},
		{"go1.22.3-custom", "1.22.3"},
		{"go1.26.8 X:nodwarf5", "1.26.8"},
		{"devel +abc", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, _ := goToolchainVersion(tt.in)
			if got != tt.want {
				t.Errorf("goToolchainVersion(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestGoBinary reads the build information of this test binary: a real Go executable.
func TestGoBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("cannot locate the test binary: %v", err)
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("test binary carries no build information")
	}
	fsys := os.DirFS(filepath.Dir(exe))
	name := filepath.Base(exe)
	files, _, err := walk(context.Background(), fsys, false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range files {
		found = found || f == name
	}
	if !found {
		t.Errorf("Walk did not list the executable %s: %v", name, files)
	}
	pkgs, probs, err := Extract(context.Background(), fsys, []string{name})
	if err != nil || len(probs) > 0 {
		t.Fatalf("Extract: %v %+v", err, probs)
	}
	wantStd, _ := goToolchainVersion(runtime.Version())
	std, ok := find(pkgs, "Go/stdlib@"+wantStd)
	if !ok || std.Properties[PropVersionSource] != VersionFromBinary || std.Location.Path != name {
		t.Errorf("stdlib = %+v (found %v), want version %s from the binary", std, ok, wantStd)
	}
	for _, d := range bi.Deps {
		if d.Replace != nil {
			continue
		}
		if _, ok := find(pkgs, "Go/"+d.Path+"@"+goVersion(d.Version)); !ok {
			t.Errorf("dependency %s@%s of the binary is missing", d.Path, d.Version)
		}
	}
	// A file that is not a Go executable is not a problem, just not a binary.
	for name, body := range map[string]string{
		"notes":      "just text",
		"cprog":      "\x7fELF\x02\x01\x01\x00" + strings.Repeat("\x00", 4096), // ELF without Go build info
		"setup.exe":  "MZ not really a PE file",
		"empty-file": "",
	} {
		pkgs, probs, _ = Extract(context.Background(), fstestFile(name, body), []string{name})
		if len(pkgs) != 0 || len(probs) != 0 {
			t.Errorf("%s gave %v / %+v, want nothing", name, pkgs, probs)
		}
	}
}
