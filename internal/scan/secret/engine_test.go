package secret

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestKeywordMatcherAgainstNaive compares the automaton with a direct search over random text
// built from the keywords' own bytes, in mixed case, so overlaps and shared prefixes are common.
func TestKeywordMatcherAgainstNaive(t *testing.T) {
	keywords := []string{"he", "she", "his", "hers", "key", "keyboard", "api_key", "pass", "passw", "s", "-----begin"}
	m := newKeywordMatcher(keywords)
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "hesiyrkbopaw_-BEGINKS \n\xff"
	for round := range 2000 {
		var sb strings.Builder
		for range rng.IntN(400) {
			sb.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		text := sb.String()
		var got []string
		last := 0
		// Small chunks put many chunk boundaries, and keywords across them, in short texts.
		m.scanChunks([]byte(text), 3+round%40, func(kw int32, end int) {
			if end < last {
				t.Fatalf("hits out of order: %d after %d", end, last)
			}
			last = end
			got = append(got, fmt.Sprintf("%d:%s", end, keywords[kw]))
		})
		var want []string
		lb := []byte(text) // ASCII folding only: strings.ToLower would rewrite \xff and shift offsets
		for i := range lb {
			lb[i] = lowerASCII(lb[i])
		}
		lower := string(lb)
		for end := 1; end <= len(text); end++ {
			for _, k := range keywords {
				if end >= len(k) && lower[end-len(k):end] == k {
					want = append(want, fmt.Sprintf("%d:%s", end, k))
				}
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round %d, text %q (-want +got):\n%s", round, text, diff)
		}
	}
}

func TestShannon(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"", 0}, {"aaaa", 0}, {"ab", 1}, {"abcd", 2}, {"0123456789abcdef", 4},
	} {
		if got := shannon([]byte(tc.in)); got != tc.want {
			t.Errorf("shannon(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestDedupe checks that overlapping matches keep one finding and which one wins.
func TestDedupe(t *testing.T) {
	det, err := newDetector(Builtin(), DefaultDecodeBytes, DefaultDecodeDepth)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, content string
		want          []string
	}{
		// generic-token and github-pat-classic both match the value: the specific rule wins.
		{"specific beats generic", `access_token = "` + ghToken + `"`, []string{"github-pat-classic"}},
		// the kubeconfig rule is listed before jwt and captures the same token.
		{"earlier rule wins a tie", "    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJ" + fake("dd", 80, csB64URL) + "." + fake("dd2", 86, csB64URL), []string{"kubernetes-secret-token"}},
		{"separate secrets both stay", ghToken + " " + glToken, []string{"github-pat-classic", "gitlab-pat"}},
		{"a key in one PEM block is one finding", fakePEM("RSA PRIVATE KEY", "dedupe", "\n"), []string{"private-key-rsa"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := det.detect(context.Background(), []byte(tc.content), false)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, det.rules[m.rule].ID)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}
