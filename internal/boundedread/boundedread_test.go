package boundedread

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestFile(t *testing.T) {
	fsys := fstest.MapFS{
		"small": {Data: []byte("abc")},
		"exact": {Data: []byte("0123456789")},
		"over":  {Data: []byte("0123456789x")},
		"empty": {Data: nil},
		"dir/x": {Data: []byte("x")},
		"pipe":  {Mode: fs.ModeNamedPipe},
		"dev":   {Mode: fs.ModeDevice},
		"sock":  {Mode: fs.ModeSocket},
	}
	const limit = 10
	for _, tc := range []struct {
		name    string
		want    string
		wantErr string // the whole error text
		tooBig  bool
	}{
		{name: "small", want: "abc"},
		{name: "exact", want: "0123456789"},
		{name: "empty", want: ""},
		{name: "over", wantErr: "read over: larger than the 10-byte limit", tooBig: true},
		{name: "dir", wantErr: "read dir: not a regular file (a directory)"},
		{name: "pipe", wantErr: "read pipe: not a regular file (a named pipe)"},
		{name: "dev", wantErr: "read dev: not a regular file (a device)"},
		{name: "sock", wantErr: "read sock: not a regular file (a socket)"},
		{name: "missing", wantErr: "open missing: file does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := File(fsys, tc.name, limit)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("File: %v", err)
				}
				if diff := cmp.Diff(tc.want, string(got)); diff != "" {
					t.Errorf("content (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if errors.Is(err, ErrTooLarge) != tc.tooBig {
				t.Errorf("errors.Is(err, ErrTooLarge) = %v, want %v", !tc.tooBig, tc.tooBig)
			}
			var pe *fs.PathError
			if !errors.As(err, &pe) || pe.Path != tc.name {
				t.Errorf("error %#v is not a *fs.PathError naming %s", err, tc.name)
			}
		})
	}
}

// growing is a file whose stat says it is small and whose content is not.
type growing struct{ fs.File }

func (growing) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

type growingFS struct{ fstest.MapFS }

func (g growingFS) Open(name string) (fs.File, error) {
	f, err := g.MapFS.Open(name)
	if err != nil {
		return nil, err
	}
	return growing{f}, nil
}

// A file that grows after it was measured is still refused at the limit, not read whole.
func TestFileGrowsWhileRead(t *testing.T) {
	fsys := growingFS{fstest.MapFS{"f": {Data: []byte("ab")}}}
	_, err := File(fsys, "f", 1<<10)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "read f: larger than the 1024-byte limit") {
		t.Fatalf("error %v, want the limit named", err)
	}
}

// A named pipe in a scanned tree is refused without being opened: opening it would block until
// a writer came, which is never.
func TestFileRefusesNamedPipeWithoutOpening(t *testing.T) {
	dir := t.TempDir()
	if err := mkfifo(filepath.Join(dir, "go.sum")); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	_, err = File(root.FS(), "go.sum", 1<<20)
	if err == nil || err.Error() != "read go.sum: not a regular file (a named pipe)" {
		t.Fatalf("error %v, want the named pipe refused", err)
	}
}

func TestPath(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "palisade.yaml")
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(small, []byte("scan: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, bytes.Repeat([]byte("#"), 65), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Path(small, 64)
	if err != nil || string(got) != "scan: {}\n" {
		t.Fatalf("Path(small) = %q, %v", got, err)
	}
	_, err = Path(big, 64)
	if !errors.Is(err, ErrTooLarge) || err.Error() != "read "+big+": larger than the 64-byte limit" {
		t.Fatalf("Path(big) error %v, want the path and the limit named", err)
	}
	if _, err := Path(filepath.Join(dir, "missing"), 64); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Path(missing) error %v, want fs.ErrNotExist", err)
	}
}

// endless is a reader that never ends, like /dev/zero or a pipe whose writer never stops.
type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name    string
		r       io.Reader
		want    string
		wantErr string
	}{
		{name: "short", r: strings.NewReader("abc"), want: "abc"},
		{name: "exact", r: strings.NewReader("abcd"), want: "abcd"},
		{name: "over", r: strings.NewReader("abcde"), wantErr: "read over: larger than the 4-byte limit"},
		{name: "endless", r: endless{}, wantErr: "read endless: larger than the 4-byte limit"},
		{name: "failing", r: io.MultiReader(strings.NewReader("a"), errReader{}), wantErr: "read failing: disk on fire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := read(tc.r, tc.name, 0, 4)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Read = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// A limit of math.MaxInt64 means none: the content is read whole, not cut to nothing by an
// overflowing count.
func TestNoLimit(t *testing.T) {
	got, err := read(strings.NewReader("abc"), "x", 0, math.MaxInt64)
	if err != nil || string(got) != "abc" {
		t.Fatalf("read with no limit = %q, %v; want abc", got, err)
	}
	fsys := fstest.MapFS{"f": {Data: []byte("abc")}}
	if got, err := File(fsys, "f", math.MaxInt64); err != nil || string(got) != "abc" {
		t.Fatalf("File with no limit = %q, %v; want abc", got, err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
