package imageconfig

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
	"github.com/palisade-sec/palisade/internal/iac/dockerfile"
)

func dockerfileRules() []finding.Rule { return check.Rules(dockerfile.Builtin(dockerfile.Config{})) }

// step is a history entry.
func step(createdBy string) History { return History{CreatedBy: createdBy} }

// image builds a config with a non-root user and a health check, so that each example shows
// only what its rule is about; change applies the example's difference.
func image(t *testing.T, change func(*Image), history ...History) []byte {
	t.Helper()
	img := Image{
		Config: RunConfig{
			User:        "10001",
			Env:         []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Healthcheck: &Healthcheck{Test: []string{"CMD-SHELL", "wget -q -O- http://localhost:8080/healthz"}},
			Labels:      map[string]string{BaseNameKey: "docker.io/library/alpine:3.20", BaseDigestKey: "sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"},
		},
		History: append([]History{
			step("/bin/sh -c #(nop) ADD file:a2a992b7f6af1e6f8f5648f329f4a4058d8c4377417ac23ae211290c0cdc8f4b in / "),
			step(`/bin/sh -c #(nop)  CMD ["/bin/sh"]`),
		}, history...),
	}
	if change != nil {
		change(&img)
	}
	data, err := json.Marshal(img)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// example is one image a rule must flag at exactly want (locations' paths), or not at all.
type example struct {
	name   string
	config []byte
	want   []string
}

// TestImageChecks is the one table of the image checks: every rule that runs over images has an
// image it flags, at the right history step or config field, and one it passes.
func TestImageChecks(t *testing.T) {
	noChange := func(*Image) {}
	cases := map[string]struct{ fail, pass []example }{
		"docker-root-user": {
			fail: []example{
				{"no user", image(t, func(i *Image) { i.Config.User = "" }), []string{"img/config.User"}},
				{"user 0:0 set by a step", image(t, func(i *Image) { i.Config.User = "0:0" }, step("USER 0:0")), []string{"img/history[2]"}},
				{"root only in the config", image(t, func(i *Image) { i.Config.User = "root" }, step("USER app # buildkit")), []string{"img/config.User"}},
				{"a nonroot-named base does not vouch for a config without a user", image(t, func(i *Image) {
					i.Config.User = ""
					i.Config.Labels[BaseNameKey] = "gcr.io/distroless/static:nonroot"
				}), []string{"img/config.User"}},
			},
			pass: []example{{"numeric user", image(t, noChange, step("USER 10001")), nil}},
		},
		"docker-base-image-not-allowed": {
			fail: []example{
				{"base from the labels", image(t, func(i *Image) { i.Config.Labels[BaseNameKey] = "docker.io/someone/base:1" }), []string{"img/config.Labels[org.opencontainers.image.base.name]"}},
				{"allowed repository at another digest", image(t, func(i *Image) { i.Config.Labels[BaseNameKey] = "registry.example/pinned/debian:12" }), []string{"img/config.Labels[org.opencontainers.image.base.name]"}},
				{"base unknown", image(t, func(i *Image) { i.Config.Labels = nil }), []string{"img/config"}},
			},
			pass: []example{{"alpine is allowed", image(t, noChange), nil}},
		},
		"docker-add-url": {
			fail: []example{
				{"buildkit", image(t, noChange, step("ADD https://github.com/coredns/coredns/releases/download/v1.6.2/coredns_1.6.2_linux_arm64.tgz /coredns.tgz # buildkit")), []string{"img/history[2]"}},
				{"classic", image(t, noChange, step("/bin/sh -c #(nop) ADD https://example.com/tool.tar.gz in /opt/ ")), []string{"img/history[2]"}},
			},
			pass: []example{{"checksum", image(t, noChange, step("ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/ # buildkit")), nil}},
		},
		"docker-pipe-to-shell": {
			fail: []example{{"buildkit run", image(t, noChange, step("RUN /bin/sh -c curl -fsSL https://get.example.com | sh # buildkit")), []string{"img/history[2]"}}},
			pass: []example{{"no pipe", image(t, noChange, step("RUN /bin/sh -c curl -fsSLo /x https://get.example.com # buildkit")), nil}},
		},
		"docker-secret-in-env": {
			fail: []example{
				{"classic env step", image(t, func(i *Image) { i.Config.Env = append(i.Config.Env, "DB_PASSWORD=s3cr3t-value") }, step("/bin/sh -c #(nop)  ENV DB_PASSWORD=s3cr3t-value")), []string{"img/history[2]"}},
				{"only in the config (squashed history)", image(t, func(i *Image) { i.Config.Env = append(i.Config.Env, "API_TOKEN=tok_0123456789abcdef") }), []string{"img/config.Env"}},
				{"overridden later, still in the history", image(t, func(i *Image) { i.Config.Env = append(i.Config.Env, "API_TOKEN=/run/secrets/t") },
					step("ENV API_TOKEN=tok_0123456789abcdef"), step("ENV API_TOKEN=/run/secrets/t")), []string{"img/history[2]"}},
			},
			pass: []example{{"reference", image(t, func(i *Image) { i.Config.Env = append(i.Config.Env, "TOKEN_FILE=/run/secrets/token") }, step("ENV TOKEN_FILE=/run/secrets/token")), nil}},
		},
		"docker-secret-in-arg": {
			fail: []example{
				{"buildkit build args", image(t, noChange, step("RUN |2 NPM_TOKEN=npm_0123456789abcdef VERSION=1.2 /bin/sh -c npm ci # buildkit"), step("RUN |2 NPM_TOKEN=npm_0123456789abcdef VERSION=1.2 /bin/sh -c npm test # buildkit")), []string{"img/history[2]"}},
				{"classic arg", image(t, noChange, step("/bin/sh -c #(nop)  ARG GITHUB_TOKEN")), []string{"img/history[2]"}},
			},
			pass: []example{
				{"harmless args", image(t, noChange, step("RUN |1 VERSION=1.2 /bin/sh -c make # buildkit")), nil},
				{"secret-named arg left empty", image(t, noChange, step("RUN |1 NPM_TOKEN= /bin/sh -c npm ci # buildkit")), nil},
			},
		},
		"docker-secret-in-label": {
			fail: []example{{"label in the config", image(t, func(i *Image) { i.Config.Labels["com.example.deploy-token"] = "dpl_0123456789abcdef" }), []string{"img/config.Labels"}}},
			pass: []example{{"harmless labels", image(t, func(i *Image) { i.Config.Labels["org.opencontainers.image.version"] = "1.2.3" }), nil}},
		},
		"docker-secret-in-run": {
			fail: []example{
				{"password option", image(t, noChange, step("/bin/sh -c mysql --user=app --password=s3cr3t-value -e 'select 1'")), []string{"img/history[2]"}},
				{"buildkit cmd", image(t, func(i *Image) { i.Config.Cmd = []string{"app", "--api-token=tok_0123456789"} }, step(`CMD ["app" "--api-token=tok_0123456789"]`)), []string{"img/history[2]"}},
				{"entrypoint only in the config", image(t, func(i *Image) { i.Config.Entrypoint = []string{"app", "--db-password", "s3cr3t-value"} }), []string{"img/config.Entrypoint"}},
			},
			pass: []example{
				{"stdin", image(t, noChange, step("RUN /bin/sh -c docker login --password-stdin -u ci reg # buildkit")), nil},
				{"command from the history", image(t, func(i *Image) { i.Config.Cmd = []string{"redis-server", "--appendonly", "yes"} }, step(`CMD ["redis-server" "--appendonly" "yes"]`)), nil},
			},
		},
		"docker-no-healthcheck": {
			fail: []example{
				{"none", image(t, func(i *Image) { i.Config.Healthcheck = nil }), []string{"img/config.Healthcheck"}},
				{"turned off", image(t, func(i *Image) { i.Config.Healthcheck = &Healthcheck{Test: []string{"NONE"}} }, step(`HEALTHCHECK &{["NONE"] "0s" "0s" "0s" "0s" '\x00'}`)), []string{"img/config.Healthcheck"}},
			},
			pass: []example{{"set by a step", image(t, noChange, step(`HEALTHCHECK &{["CMD-SHELL" "wget -q -O- http://localhost:8080/healthz"] "30s" "3s" "0s" "0s" '\x00'}`)), nil}},
		},
		"docker-expose-ssh": {
			fail: []example{{"buildkit expose", image(t, func(i *Image) { i.Config.ExposedPorts = map[string]struct{}{"22/tcp": {}, "80/tcp": {}} }, step("EXPOSE map[22/tcp:{} 80/tcp:{}]")), []string{"img/history[2]"}}},
			pass: []example{{"http", image(t, func(i *Image) { i.Config.ExposedPorts = map[string]struct{}{"8080/tcp": {}} }), nil}},
		},
		"docker-expose-sensitive-port": {
			fail: []example{
				{"docker api, config only", image(t, func(i *Image) { i.Config.ExposedPorts = map[string]struct{}{"2375/tcp": {}} }), []string{"img/config.ExposedPorts"}},
				{"rdp, classic expose", image(t, func(i *Image) { i.Config.ExposedPorts = map[string]struct{}{"3389/tcp": {}} }, step("/bin/sh -c #(nop)  EXPOSE 3389/tcp")), []string{"img/history[2]"}},
			},
			pass: []example{{"https", image(t, func(i *Image) { i.Config.ExposedPorts = map[string]struct{}{"8443/tcp": {}} }), nil}},
		},
	}
	// The run-hygiene checks read the same command lines as the Dockerfile checks; one RUN each.
	for id, run := range map[string][2]string{
		"docker-apt-cache":                  {"apt-get update && apt-get install -y --no-install-recommends curl", "apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*"},
		"docker-apk-cache":                  {"apk add curl", "apk add --no-cache curl"},
		"docker-yum-cache":                  {"yum install -y httpd", "yum install -y httpd && yum clean all"},
		"docker-pip-cache":                  {"pip install -r requirements.txt", "pip install --no-cache-dir -r requirements.txt"},
		"docker-sudo":                       {"sudo make install", "make install"},
		"docker-insecure-download":          {"curl -k https://example.com/x -o /x", "curl -fsSL https://example.com/x -o /x"},
		"docker-package-signature-disabled": {"dnf install -y --nogpgcheck ./p.rpm && dnf clean all", "dnf install -y ./p.rpm && dnf clean all"},
		"docker-credentials-in-url":         {"git clone https://ci:ghp_0123456789abcdefghij@github.com/org/repo.git", "git clone https://github.com/org/repo.git"},
		"docker-world-writable":             {"chmod -R 777 /app", "chmod 755 /app"},
		"docker-package-upgrade":            {"apt-get update && apt-get -y upgrade && rm -rf /var/lib/apt/lists/*", "true"},
		"docker-apt-no-install-recommends":  {"apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*", "apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*"},
	} {
		cases[id] = struct{ fail, pass []example }{
			fail: []example{{"buildkit run", image(t, noChange, step("RUN /bin/sh -c "+run[0]+" # buildkit")), []string{"img/history[2]"}}},
			pass: []example{{"buildkit run", image(t, noChange, step("RUN /bin/sh -c "+run[1]+" # buildkit")), nil}},
		}
	}
	cases["docker-maintainer-deprecated"] = struct{ fail, pass []example }{
		fail: []example{{"classic", image(t, noChange, step("/bin/sh -c #(nop)  MAINTAINER dev@example.com")), []string{"img/history[2]"}}},
		pass: []example{{"label", image(t, noChange, step("LABEL org.opencontainers.image.authors=dev@example.com")), nil}},
	}
	opts := Options{AllowedBases: []string{"alpine", "registry.example/pinned/debian@sha256:1111111111111111111111111111111111111111111111111111111111111111"}, Path: "img"}
	for _, r := range Rules() {
		t.Run(r.ID, func(t *testing.T) {
			c, ok := cases[r.ID]
			if !ok || len(c.fail) == 0 || len(c.pass) == 0 {
				t.Fatalf("rule %s runs over images but has no failing and passing image example", r.ID)
			}
			run := func(ex example) []string {
				fs, problems, err := Check(context.Background(), ex.config, opts)
				if err != nil || len(problems) > 0 {
					t.Fatalf("%s: %v %+v", ex.name, err, problems)
				}
				var got []string
				for _, f := range fs {
					if f.RuleID == r.ID {
						got = append(got, f.Location.Path)
					}
				}
				return got
			}
			for _, ex := range c.fail {
				if diff := cmp.Diff(ex.want, run(ex)); diff != "" {
					t.Errorf("%s: locations (-want +got):\n%s", ex.name, diff)
				}
			}
			for _, ex := range c.pass {
				if got := run(ex); len(got) > 0 {
					t.Errorf("%s: flagged at %v", ex.name, got)
				}
			}
		})
	}
	for id := range cases {
		if !slices.ContainsFunc(Rules(), func(r finding.Rule) bool { return r.ID == id }) {
			t.Errorf("example for %s, which does not run over images", id)
		}
	}
}

// TestNotForImagesNamesRealChecks keeps the list of Dockerfile checks that do not run over images
// from naming a check that no longer exists (and so silently excluding nothing).
func TestNotForImagesNamesRealChecks(t *testing.T) {
	for _, n := range notForImages {
		id := n.id
		if !slices.ContainsFunc(dockerfileRules(), func(r finding.Rule) bool { return r.ID == id }) {
			t.Errorf("notForImages names %s, which is no Dockerfile check", id)
		}
		if slices.ContainsFunc(Rules(), func(r finding.Rule) bool { return r.ID == id }) {
			t.Errorf("%s is excluded but runs", id)
		}
	}
}
