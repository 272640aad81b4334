package compose

import (
	"context"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check/checktest"
)

// TestChecks runs every built-in check's own examples.
func TestChecks(t *testing.T) {
	checktest.Run(t, "compose-", Builtin(), func(t *testing.T, c Check, src string) []finding.Finding {
		t.Helper()
		p, err := Parse("compose.yaml", []byte(src))
		if err != nil || p == nil {
			t.Fatalf("example does not parse (%v):\n%s", err, src)
		}
		fs, problems, err := Evaluate(context.Background(), []Check{c}, p)
		if err != nil || len(problems) > 0 {
			t.Fatalf("evaluate: %v %+v", err, problems)
		}
		return fs
	})
}

// TestEnvironmentThroughMergeKey: variables a service takes from a merge key are checked.
func TestEnvironmentThroughMergeKey(t *testing.T) {
	for _, src := range []string{
		"x-base: &base\n  environment:\n    DB_PASSWORD: hunter2hunter2\nservices:\n  web:\n    image: a\n    <<: *base\n",
		"x-env: &env\n  DB_PASSWORD: hunter2hunter2\nservices:\n  web:\n    image: a\n    environment: *env\n",
	} {
		p, err := Parse("c.yaml", []byte(src))
		if err != nil || p == nil || len(p.Services) != 1 {
			t.Fatalf("Parse = %+v, %v", p, err)
		}
		if env := p.Services[0].Environment; len(env) != 1 || env[0].Name != "DB_PASSWORD" {
			t.Errorf("environment = %+v, want DB_PASSWORD", env)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		services  int
		wantErr   string
	}{
		{"not compose", "apiVersion: v1\nkind: Pod\n", 0, ""},
		{"empty", "", 0, ""},
		{"wrong type", "services:\n  web:\n    image: a:1\n    privileged: maybe\n", 1, "line 4"},
		{"syntax", "services:\n  web: [\n", 0, "parse compose file c.yaml"},
		{"image through a merge key", "x-base: &base\n  image: nginx\n  privileged: true\nservices:\n  web:\n    <<: *base\n", 1, ""},
		{"build through a merge key", "x-base: &base\n  build: {context: .}\nservices:\n  web:\n    <<: *base\n", 1, ""},
		{"service through an alias", "x-base: &base\n  image: nginx\nservices:\n  web: *base\n", 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("c.yaml", []byte(tc.src))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			n := 0
			if p != nil {
				n = len(p.Services)
			}
			if n != tc.services {
				t.Errorf("services = %d, want %d", n, tc.services)
			}
		})
	}
}
