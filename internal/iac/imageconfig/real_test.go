package imageconfig

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRealConfigs runs the checks over real image configs and ones written in the builders'
// shapes (testdata/SOURCES.md), holding each finding's rule and place, and that no secret
// appears whole in any message.
func TestRealConfigs(t *testing.T) {
	for _, tc := range []struct {
		file    string
		allowed []string
		want    []string // "rule-id at path"
		secrets []string
	}{
		{
			file:    "agnhost-2.39-arm64.json",
			allowed: []string{"docker.io/library/alpine"},
			want: []string{
				"docker-root-user at agnhost/config.User",
				"docker-add-url at agnhost/history[4]",
				"docker-no-healthcheck at agnhost/config.Healthcheck",
				"docker-base-image-not-allowed at agnhost/config", // no base annotation or label: unknown, not allowed
			},
		},
		{
			file: "nginx-1.17.0-classic.json",
			want: []string{
				"docker-root-user at nginx/config.User",
				"docker-no-healthcheck at nginx/config.Healthcheck",
				"docker-world-writable at nginx/history[6]",
			},
		},
		{
			file:    "buildkit-secrets.json",
			allowed: []string{"registry.example/base/"},
			want: []string{
				"docker-base-image-not-allowed at buildkit/config.Labels[org.opencontainers.image.base.name]",
				"docker-secret-in-env at buildkit/config.Env",
				"docker-secret-in-arg at buildkit/history[6]",
				"docker-secret-in-run at buildkit/history[8]",
				"docker-expose-sensitive-port at buildkit/history[9]",
			},
			secrets: []string{"sntrys_0123456789abcdef0123", "npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			name, _, _ := strings.Cut(tc.file, "-")
			fs, problems, err := Check(context.Background(), data, Options{AllowedBases: tc.allowed, Path: name})
			if err != nil || len(problems) > 0 {
				t.Fatalf("check: %v %+v", err, problems)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.RuleID+" at "+f.Location.Path)
				for _, s := range tc.secrets {
					if strings.Contains(f.Description, s) {
						t.Errorf("%s shows a secret whole: %s", f.RuleID, f.Description)
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
