package dockerfile

import "testing"

func TestBaseAllowed(t *testing.T) {
	const dig = "sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"
	for _, tc := range []struct {
		name    string
		entries []string
		image   string
		want    bool
	}{
		{"short hub name", []string{"alpine"}, "alpine:3.20", true},
		{"short hub name covers its full name", []string{"alpine"}, "docker.io/library/alpine@" + dig, true},
		{"other hub image", []string{"alpine"}, "debian:12", false},
		{"repository prefix with slash", []string{"registry.example/base/"}, "registry.example/base/debian:12", true},
		{"repository prefix is by segment", []string{"docker.io/acme"}, "docker.io/acme-evil/base:1", false},
		{"repository covers its children", []string{"docker.io/acme"}, "acme/base:1", true},
		{"registry only", []string{"gcr.io"}, "gcr.io/distroless/static:nonroot", true},
		{"registry with port and slash", []string{"registry:5000/"}, "registry:5000/x/y", true},
		{"registry is not a prefix of a host", []string{"gcr.io"}, "gcr.io.evil.example/x", false},
		{"tag must match", []string{"alpine:3.20"}, "alpine:3.19", false},
		{"tag matches", []string{"alpine:3.20"}, "alpine:3.20@" + dig, true},
		{"digest pinned and matching", []string{"alpine@" + dig}, "alpine:3.20@" + dig, true},
		{"digest pinned, image unpinned", []string{"alpine@" + dig}, "alpine:3.20", false},
		{"digest pinned, other digest", []string{"alpine@" + dig}, "alpine@sha256:1111111111111111111111111111111111111111111111111111111111111111", false},
		{"empty entry allows nothing", []string{" "}, "alpine", false},
		{"no entries", nil, "alpine", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := BaseAllowed(tc.entries, tc.image); got != tc.want {
				t.Errorf("BaseAllowed(%q, %q) = %v, want %v", tc.entries, tc.image, got, tc.want)
			}
		})
	}
}

func TestRunSecrets(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   int
	}{
		{"mysql --password=s3cr3t-value", 1},
		{"tool --api-key 'abcd1234efgh'", 1},
		{"docker run -e DB_PASSWORD=hunter22 x", 1},
		{"export GITHUB_TOKEN=ghp_abcdefghijklmnop && make", 1},
		{"docker login --password-stdin -u ci reg", 0},
		{"docker build --secret id=npm,src=/run/secrets/npm .", 0},
		{"tool --token-file /run/secrets/t", 0},
		{"tool --token-file=./t", 0},
		{"TOKEN=$(cat /run/secrets/t) make", 0},
		{"PASSWORD=\"${PASSWORD}\" make", 0},
		{"echo password=hunter22 >> app.conf", 1},
		{"echo 'root:screencast' | chpasswd", 1},
		{"echo \"app:$APP_PASSWORD\" | chpasswd", 0},
		{"SECRET_KEY_BASE=dummy bundle exec rails assets:precompile", 0}, // not an assignment, but the credential is in the line all the same
	} {
		if got := RunSecrets(tc.script); len(got) != tc.want {
			t.Errorf("RunSecrets(%q) = %q, want %d", tc.script, got, tc.want)
		}
	}
}
