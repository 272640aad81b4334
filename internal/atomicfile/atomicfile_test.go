package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name string
		old  string // "" for no file
		perm fs.FileMode
	}{
		{"new file", "", 0o644},
		{"replace", "old content\n", 0o644},
		{"private key", "", 0o600},
		{"private key over a public file", "old", 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			if tt.old != "" {
				if err := os.WriteFile(path, []byte(tt.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(path, []byte("new"), tt.perm); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != "new" {
				t.Fatalf("content %q, %v; want new", got, err)
			}
			fi, _ := os.Stat(path)
			if runtime.GOOS != "windows" && fi.Mode().Perm()&^tt.perm != 0 {
				t.Errorf("mode %v, want at most %v", fi.Mode().Perm(), tt.perm)
			}
			assertNoTemp(t, dir, "f")
		})
	}
}

// TestFailedWriteKeepsOldContent is the crash-safety property: a write that fails part way leaves
// the old file whole and no temporary file behind.
func TestFailedWriteKeepsOldContent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, []byte("old report"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, 0o644, func(w io.Writer) error {
		io.WriteString(w, "half a rep")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "old report" {
		t.Errorf("content %q after a failed write, want the old content", got)
	}
	assertNoTemp(t, dir, "report.json")
}

func TestRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, []byte("x"), 0o644); err == nil {
		t.Fatal("wrote over a directory")
	}
}

func TestWriteInStaysInRoot(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges")
	}
	outside := t.TempDir()
	root := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "out")); err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	write := func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }
	if err := WriteIn(r, filepath.Join("out", "report.json"), 0o644, write); err == nil {
		t.Error("wrote through a link that leads outside the root")
	}
	if err := WriteIn(r, "report.json", 0o644, write); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "report.json")); err != nil || string(b) != "x" {
		t.Errorf("content %q, %v", b, err)
	}
	assertNoTemp(t, root, "report.json", "out")
}

// assertNoTemp fails if dir holds anything but want.
func assertNoTemp(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		found := false
		for _, w := range want {
			found = found || e.Name() == w
		}
		if !found {
			t.Errorf("left behind %s", e.Name())
		}
	}
}
