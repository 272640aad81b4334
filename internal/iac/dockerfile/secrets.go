package dockerfile

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
)

// The checks in this file look for credentials written into places an image carries to everyone
// who can pull it: labels and the command lines its history records.

func secretLabel() Check {
	return secretKeyValues("docker-secret-in-label", "Credential in LABEL", "LABEL", "label:",
		"Labels are part of the image config: anyone who can pull the image reads them with docker inspect, and registries show them.",
		"Remove the credential from the label; pass secrets at run time, or at build time with RUN --mount=type=secret.",
		"FROM alpine:3.20\n# want\nLABEL org.opencontainers.image.title=app com.example.deploy-token=\"dpl_0123456789abcdef\"\n",
		"FROM alpine:3.20\nLABEL com.example.token-url=https://vault.example/token org.opencontainers.image.version=1.2.3\n")
}

// secretKeyValues is the check of an instruction of KEY=VALUE pairs (ENV, LABEL) for a
// credential-named key with a literal value: one finding per pair, keyed by keyPrefix and the key.
func secretKeyValues(id, title, instr, keyPrefix, why, fix, fail, pass string) Check {
	r := rule(id, title, finding.SeverityHigh, why, fix, "cis-docker:4.10")
	r.CWE = []string{"CWE-798"}
	return Check{
		Rule: r,
		Run: func(f *File, report Report) {
			eachInstr(f, func(_ *Stage, in Instruction) {
				for _, kv := range in.KeyValues() {
					if check.SecretName(kv[0]) && !notSecretValue(kv[1]) {
						report(in.Line, keyPrefix+kv[0], fmt.Sprintf("%s %s holds a literal value (%s)", instr, kv[0], finding.Redact(kv[1])))
					}
				}
			}, instr)
		},
		Fail: []string{fail},
		Pass: []string{pass},
	}
}

// secretOptionRE finds a command-line option whose name says credential and whose value is
// written inline: --password=x, --api-key x, -e DB_PASSWORD=x is caught by secretAssignRE.
var secretOptionRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(?:^|[\s;&|(])(--?[a-z0-9][a-z0-9_.-]*)(=|\s+)("[^"]*"|'[^']*'|[^\s;&|)]+)`)
})

// secretAssignRE finds a shell assignment NAME=value (inline, exported or as an -e argument).
var secretAssignRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s;&|)]+)`)
})

// RunSecrets returns the credentials a shell command line writes inline, as option or variable
// name and value: `--password=…`, `--token …`, `DB_PASSWORD=… cmd`, `export API_KEY=…`. Values
// that are references ($VAR, $(cat /run/secrets/x)), paths and options that read a credential
// from elsewhere (--password-stdin, --token-file) are not credentials.
func RunSecrets(script string) [][2]string {
	var out [][2]string
	for _, m := range secretOptionRE().FindAllStringSubmatch(script, -1) {
		name := strings.TrimLeft(m[1], "-")
		if !check.SecretName(name) || readsElsewhere(name) {
			continue
		}
		v := unquote(m[3])
		// A value "id=…" names a build secret (docker build --secret id=npm,src=…), it is not one.
		if strings.HasPrefix(v, "-") || strings.HasPrefix(strings.ToLower(v), "id=") || notSecretValue(v) {
			continue
		}
		out = append(out, [2]string{m[1], v})
	}
	for _, m := range secretAssignRE().FindAllStringSubmatch(script, -1) {
		if v := unquote(m[2]); check.SecretName(m[1]) && !readsElsewhere(m[1]) && !notSecretValue(v) && !strings.HasPrefix(v, "`") && !placeholder(v) {
			out = append(out, [2]string{m[1], v})
		}
	}
	for _, m := range chpasswdRE().FindAllStringSubmatch(script, -1) {
		if !notSecretValue(m[2]) && !strings.HasPrefix(m[2], "$") {
			out = append(out, [2]string{"password of " + m[1], m[2]})
		}
	}
	return out
}

// chpasswdRE finds a password set with `echo 'user:password' | chpasswd`.
var chpasswdRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\becho\s+(?:-e\s+)?["']?([A-Za-z0-9_.-]+):([^\s"':]+)["']?\s*\|\s*(?:sudo\s+)?chpasswd\b`)
})

// placeholder reports the stand-in values build steps set a secret-named variable to so that a
// tool runs without the real one (SECRET_KEY_BASE=dummy rails assets:precompile).
func placeholder(v string) bool {
	switch strings.ToLower(v) {
	case "dummy", "placeholder", "fake", "unused", "none", "null", "nil", "example", "sample", "test", "changeme-at-runtime":
		return true
	}
	return false
}

// readsElsewhere reports an option or variable name that points at a credential instead of
// holding one (--password-stdin, --token-file, SECRET_PATH, TOKEN_URL).
func readsElsewhere(name string) bool {
	l := strings.ToLower(name)
	for _, s := range []string{"stdin", "file", "path", "dir", "url", "env", "name", "id"} {
		if strings.HasSuffix(l, "-"+s) || strings.HasSuffix(l, "_"+s) {
			return true
		}
	}
	return false
}

func secretInRun() Check {
	r := rule("docker-secret-in-run", "Credential written into a command (RUN, CMD, ENTRYPOINT)", finding.SeverityHigh,
		"RUN, CMD and ENTRYPOINT command lines are kept verbatim in the image (docker history and docker inspect show them) and, in a Dockerfile, in version control: a password or token written into one leaks with both.",
		"Read the credential from a build secret (RUN --mount=type=secret,id=…, docker build --secret), and at run time from the orchestrator's secrets.",
		"cis-docker:4.10")
	r.CWE = []string{"CWE-798"}
	return Check{
		Rule: r,
		Run: func(f *File, report Report) {
			eachInstr(f, func(_ *Stage, in Instruction) {
				script := in.Script()
				if in.Cmd != "RUN" {
					// The exec form's array, as parsed or as a history records it (["a" "b"]):
					// its punctuation is no part of the words.
					script = strings.NewReplacer("[", " ", "]", " ", `"`, " ", ",", " ").Replace(strings.Join(in.Args, " "))
				}
				for _, s := range RunSecrets(script) {
					report(in.Line, "run-secret:"+s[0], fmt.Sprintf("%s writes %s inline (%s)", in.Cmd, s[0], finding.Redact(s[1])))
				}
			}, "RUN", "CMD", "ENTRYPOINT")
		},
		Fail: []string{
			"FROM alpine:3.20\n# want\nRUN mysql --user=app --password=s3cr3t-value -e 'select 1'\n",
			"FROM node:22\n# want\nRUN NPM_TOKEN=npm_0123456789abcdef npm ci\n",
			"FROM redis:7\n# want\nCMD [\"redis-server\", \"--requirepass\", \"x\", \"--masterauth\", \"y\", \"--api-token=tok_0123456789\"]\n",
		},
		Pass: []string{
			"FROM docker:27\nRUN --mount=type=secret,id=reg cat /run/secrets/reg | docker login --password-stdin -u ci registry.example\n",
			"FROM node:22\nRUN NPM_TOKEN=$(cat /run/secrets/npm) npm ci && export API_TOKEN=\"$API_TOKEN\"\n",
		},
	}
}

// sensitivePorts are the ports of remote-administration and control-plane services that must
// not be reachable in a container (SSH, 22, has its own check, docker-expose-ssh), in order. A
// slice literal, not a map: static data costs nothing at start-up.
var sensitivePorts = []struct {
	port    int
	service string
}{
	{21, "FTP"}, {23, "Telnet"}, {111, "rpcbind"}, {135, "MS RPC"}, {139, "NetBIOS"}, {445, "SMB"},
	{2375, "the unencrypted Docker API"}, {2376, "the Docker API"}, {2379, "etcd"}, {2380, "etcd peers"},
	{3389, "RDP"}, {5800, "VNC over HTTP"}, {5900, "VNC"}, {5985, "WinRM"}, {5986, "WinRM over TLS"},
	{6000, "X11"}, {10250, "the kubelet API"},
}

// ExposedPorts returns the port numbers of one EXPOSE argument ("80", "53/udp", "8000-8010/tcp");
// ok is false when it is not a literal port or range (a variable).
func ExposedPorts(arg string) (lo, hi int, ok bool) {
	p, _, _ := strings.Cut(arg, "/")
	a, b, isRange := strings.Cut(p, "-")
	lo, ok = portNumber(a)
	if !ok {
		return 0, 0, false
	}
	if !isRange {
		return lo, lo, true
	}
	hi, ok = portNumber(b)
	return lo, hi, ok && hi >= lo
}

func portNumber(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= 65535
}

func exposeSensitivePort() Check {
	return Check{
		Rule: rule("docker-expose-sensitive-port", "Remote-administration or control port exposed", finding.SeverityMedium,
			"Telnet, RDP, VNC, WinRM, SMB, the Docker API (2375/2376), etcd or the kubelet in an application container are ways in that bypass the platform's access control; the Docker API on 2375 is root on the host without a password.",
			"Remove the EXPOSE and the service; administer containers through the orchestrator.",
			"cis-docker:4.8"),
		Run: func(f *File, report Report) {
			eachInstr(f, func(_ *Stage, in Instruction) {
				// Walk the short list, not the ranges, and name each port once per instruction:
				// "1-65535" written a thousand times must cost neither 65535 steps nor a
				// thousand findings each.
				for _, sp := range sensitivePorts {
					p := sp.port
					if slices.ContainsFunc(in.Args, func(a string) bool { lo, hi, ok := ExposedPorts(a); return ok && lo <= p && p <= hi }) {
						report(in.Line, fmt.Sprintf("expose:%d", p), fmt.Sprintf("image exposes port %d (%s)", p, sp.service))
					}
				}
			}, "EXPOSE")
		},
		Fail: []string{"FROM docker:27-dind\n# want\nEXPOSE 2375/tcp 8080\n", "FROM debian:12\n# want\nEXPOSE 3000-4000\n"},
		Pass: []string{"FROM debian:12\nEXPOSE 8080 8443/tcp 53/udp\n"},
	}
}
