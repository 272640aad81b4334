package image

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNewerTag holds the tag rule: the newest tag of the same shape (prefix, number of
// components, suffix) and major, numerically greater; and no order for what is not a version.
func TestNewerTag(t *testing.T) {
	tags := []string{"12", "12.5", "12.5-slim", "12.6-slim", "12.8-slim", "12.10-slim", "13.0-slim", "12.8",
		"12.8.1-slim", "12.9-slim-arm", "latest", "bookworm", "12.11-bookworm", "v12.7", "12.6_slim"}
	for _, tc := range []struct {
		name, current string
		tags          []string
		want          string
		noOrder       bool
	}{
		{name: "minor, numerically not lexically", current: "12.5-slim", tags: tags, want: "12.10-slim"},
		{name: "plain", current: "12.5", tags: tags, want: "12.8"},
		{name: "same major only", current: "12.5", tags: []string{"13.0", "11.9"}, want: ""},
		{name: "three components", current: "3.19.1", tags: []string{"3.19.4", "3.20", "3.20.3", "4.0.0", "3.19.10-r1"}, want: "3.20.3"},
		{name: "newest already", current: "12.10-slim", tags: tags, want: ""},
		{name: "v prefix", current: "v12.6", tags: tags, want: "v12.7"},
		{name: "underscore suffix", current: "12.5_slim", tags: tags, want: "12.6_slim"},
		{name: "same version written twice", current: "1.2", tags: []string{"1.06", "1.6"}, want: "1.06"},
		{name: "same version written twice, other order", current: "1.2", tags: []string{"1.6", "1.06"}, want: "1.06"},
		{name: "no tags", current: "12.5", tags: nil, want: ""},
		{name: "latest", current: "latest", tags: tags, noOrder: true},
		{name: "codename", current: "bookworm", tags: tags, noOrder: true},
		{name: "major alone", current: "12", tags: tags, noOrder: true},
		{name: "major alone with suffix", current: "12-slim", tags: tags, noOrder: true},
		{name: "letters after the version", current: "1.2rc1", tags: tags, noOrder: true},
		{name: "trailing dot", current: "1.2.", tags: tags, noOrder: true},
		{name: "empty", current: "", tags: tags, noOrder: true},
		{name: "number too long", current: "1.1234567890123456789", tags: tags, noOrder: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NewerTag(tc.current, tc.tags)
			if tc.noOrder {
				if !errors.Is(err, ErrNoTagOrder) {
					t.Fatalf("NewerTag(%q) = %q, %v; want ErrNoTagOrder", tc.current, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("NewerTag(%q) = %q, %v; want %q", tc.current, got, err, tc.want)
			}
		})
	}
}

func TestParseTagPage(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
		err        string
	}{
		{name: "tags", body: `{"name":"library/debian","tags":["12.5","latest"]}`, want: []string{"12.5", "latest"}},
		{name: "no tags", body: `{"name":"library/debian","tags":null}`},
		{name: "not JSON", body: `<html>`, err: "tag list: invalid character"},
		{name: "invalid tag", body: `{"tags":["ok","../etc"]}`, err: `tag list: tags[1]: "../etc" is not a valid tag`},
		{name: "tag too long", body: `{"tags":["a` + strings.Repeat("b", 128) + `"]}`, err: "is not a valid tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseTagPage([]byte(tc.body))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseTagPage = %v, %v; want an error with %q", got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNextPage(t *testing.T) {
	cur, _ := url.Parse("https://registry.example:5000/v2/library/debian/tags/list?n=2")
	for _, tc := range []struct {
		name, link, want, err string
	}{
		{name: "none", link: ""},
		{name: "relative", link: `</v2/library/debian/tags/list?last=b&n=2>; rel="next"`, want: "https://registry.example:5000/v2/library/debian/tags/list?last=b&n=2"},
		{name: "absolute same host", link: `<https://registry.example:5000/v2/x/tags/list?last=b>; rel=next`, want: "https://registry.example:5000/v2/x/tags/list?last=b"},
		{name: "other rel only", link: `</v2/x/tags/list?last=a>; rel="prev"`},
		{name: "several", link: `</a>; rel="prev", </b>; rel="next"`, want: "https://registry.example:5000/b"},
		{name: "other host", link: `<https://evil.example/v2/x/tags/list>; rel="next"`, err: "the next page is on evil.example, not on the registry registry.example:5000"},
		{name: "malformed", link: `/v2/x; rel="next"`, err: "want <URL>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := nextPage(tc.link, cur)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("nextPage = %v, %v; want an error with %q", u, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if u != nil {
				got = u.String()
			}
			if got != tc.want {
				t.Errorf("nextPage = %q, want %q", got, tc.want)
			}
		})
	}
}
