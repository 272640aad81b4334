package baseupdate

import (
	"errors"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/image"
)

// TestParseBase: the base name as images write it — short Docker Hub names, registries with
// ports, a tag and a digest together — gives the repository to ask and the name to show; one
// that cannot be checked says why.
func TestParseBase(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     baseRef
		err      string
	}{
		{name: "docker hub short", in: "debian:12.5-slim", want: baseRef{repo: "index.docker.io/library/debian", written: "debian", tag: "12.5-slim"}},
		{name: "docker hub long", in: "docker.io/library/debian:12.5", want: baseRef{repo: "index.docker.io/library/debian", written: "docker.io/library/debian", tag: "12.5"}},
		{name: "port", in: "127.0.0.1:5000/team/base:1.2", want: baseRef{repo: "127.0.0.1:5000/team/base", written: "127.0.0.1:5000/team/base", tag: "1.2"}},
		{name: "tag and digest", in: "ghcr.io/acme/base:3.19.1@sha256:" + strings.Repeat("a", 64), want: baseRef{repo: "ghcr.io/acme/base", written: "ghcr.io/acme/base", tag: "3.19.1"}},
		{name: "absent", in: "", err: "the image does not name its base image"},
		{name: "digest only", in: "debian@sha256:" + strings.Repeat("a", 64), err: "is pinned by digest only"},
		{name: "port without tag", in: "127.0.0.1:5000/team/base", err: "names no tag (latest is implied)"},
		{name: "codename", in: "debian:bookworm", err: `tag "bookworm" does not start with a version number`},
		{name: "not a reference", in: "Debian:12.5!", err: "is not an image reference"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseBase(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseBase(%q) = %+v, %v; want an error with %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("parseBase(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}

// FuzzParseBase: a base name from an image (untrusted) gives a repository and an ordered tag, or
// a reason; never a panic, and never a repository that is not the name's.
func FuzzParseBase(f *testing.F) {
	for _, s := range []string{"debian:12.5-slim", "docker.io/library/debian:12.5", "127.0.0.1:5000/team/base:1.2",
		"ghcr.io/acme/base:3.19.1@sha256:" + strings.Repeat("a", 64), "debian@sha256:" + strings.Repeat("a", 64),
		"127.0.0.1:5000/team/base", "debian:bookworm", "", ":", "@", "a/b:c:d", "host:1/x:1.2@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseBase(s)
		if err != nil {
			return
		}
		if r.repo == "" || r.written == "" || !strings.HasPrefix(s, r.written+":"+r.tag) {
			t.Fatalf("parseBase(%q) = %+v", s, r)
		}
		if _, err := image.NewerTag(r.tag, nil); errors.Is(err, image.ErrNoTagOrder) {
			t.Fatalf("parseBase(%q) passed a tag without order: %+v", s, r)
		}
	})
}
