package dockerfile

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check/checktest"
)

// TestChecks runs every built-in check's own examples, with an allow-list so that
// docker-base-image-not-allowed runs.
func TestChecks(t *testing.T) {
	checks := Builtin(Config{AllowedBaseImages: []string{"registry.example/base/", "alpine"}})
	checktest.Run(t, "docker-", checks, func(t *testing.T, c Check, src string) []finding.Finding {
		t.Helper()
		f, err := Parse("Dockerfile", []byte(src))
		if err != nil {
			t.Fatalf("example does not parse: %v\n%s", err, src)
		}
		fs, problems, err := Evaluate(context.Background(), []Check{c}, f)
		if err != nil || len(problems) > 0 {
			t.Fatalf("evaluate: %v %+v", err, problems)
		}
		return fs
	})
}

func TestParse(t *testing.T) {
	src := "ARG BASE=debian:12\nFROM ${BASE} AS build\nRUN make \\\n  all\nFROM alpine:3.20\nCOPY --from=build /out /app\nENV A=1 B=\"two words\"\n"
	f, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Args) != 1 || len(f.Stages) != 2 || f.Stages[0].Name != "build" || f.Final().Image != "alpine:3.20" {
		t.Fatalf("stages: %+v", f)
	}
	run := f.Stages[0].Body[0]
	if run.Line != 3 || run.EndLine != 4 {
		t.Errorf("RUN spans %d-%d, want 3-4", run.Line, run.EndLine)
	}
	env := f.Final().Body[1]
	if diff := cmp.Diff([][2]string{{"A", "1"}, {"B", "two words"}}, env.KeyValues()); diff != "" {
		t.Errorf("ENV pairs (-want +got):\n%s", diff)
	}
	_, err = Parse("bad/Dockerfile", []byte("FROM alpine\nRUN true\nENV ONLYKEY\n"))
	if err == nil || !strings.Contains(err.Error(), "bad/Dockerfile: line 3") {
		t.Errorf("error = %v, want one naming bad/Dockerfile line 3", err)
	}
}

func TestParseImage(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ImageRef
	}{
		{"nginx", ImageRef{Name: "docker.io/library/nginx"}},
		{"bitnami/redis:7", ImageRef{Name: "docker.io/bitnami/redis", Tag: "7"}},
		{"localhost:5000/app@sha256:ab", ImageRef{Name: "localhost:5000/app", Digest: "sha256:ab"}},
		{"ghcr.io/o/a:1.2@sha256:cd", ImageRef{Name: "ghcr.io/o/a", Tag: "1.2", Digest: "sha256:cd"}},
	} {
		if diff := cmp.Diff(tc.want, ParseImage(tc.in)); diff != "" {
			t.Errorf("ParseImage(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestRepeatedInstructionsGetTheirOwnFingerprints(t *testing.T) {
	f, err := Parse("Dockerfile", []byte("FROM debian:12 AS a\nRUN apt-get install -y curl\nFROM debian:12\nRUN apt-get install -y curl\n"))
	if err != nil {
		t.Fatal(err)
	}
	fs, problems, err := Evaluate(context.Background(), []Check{aptCache()}, f)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if len(fs) != 2 || fs[0].Fingerprint == fs[1].Fingerprint {
		t.Errorf("want two findings with distinct fingerprints, got %+v", fs)
	}
}
