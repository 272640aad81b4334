package dockerfile

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
)

// Builtin is the one list of built-in Dockerfile checks, in report order. Duplicate IDs are
// caught by a test.
func Builtin(cfg Config) []Check {
	return []Check{
		rootUser(), unpinnedBase(), baseNoDigest(), baseNotAllowed(cfg), addURL(), addLocal(), pipeToShell(),
		secretEnv(), secretArg(), aptCache(), apkCache(), yumCache(), pipCache(), noHealthcheck(), sudo(),
		insecureDownload(), noSignatureCheck(), credentialsInURL(), chmodWorldWritable(), exposeSSH(),
		insecureRunSecurity(), aptUpgrade(), maintainer(), copyAll(), missingYes(),
		secretLabel(), secretInRun(), exposeSensitivePort(),
	}
}

// runs calls fn for every RUN with its shell text.
func runs(f *File, fn func(in Instruction, script string)) {
	eachInstr(f, func(_ *Stage, in Instruction) { fn(in, in.Script()) }, "RUN")
}

func rootUser() Check {
	return Check{
		Rule: rule("docker-root-user", "Image runs as root", finding.SeverityHigh,
			"Without a USER in the final stage, or with USER root, the container's process runs as UID 0, so any escape or mount lands as root.",
			"Add `USER <non-root uid>` after the last privileged step of the final stage.",
			"cis-docker:4.1", "nsa-cisa:non-root-containers"),
		Run: func(f *File, report Report) {
			s := f.Final()
			if s == nil || (!f.Built && (strings.EqualFold(s.Image, "scratch") || nonRootBase(s.Image))) {
				return
			}
			var last *Instruction
			for i := range s.Body {
				if s.Body[i].Cmd == "USER" {
					last = &s.Body[i]
				}
			}
			if last == nil {
				msg := fmt.Sprintf("final stage FROM %s sets no USER, so it runs as root", s.Image)
				if f.Built {
					msg = "the image's config sets no User, so it runs as root"
				}
				report(s.From.Line, "final:no-user", msg)
				return
			}
			if len(last.Args) > 0 {
				u, _, _ := strings.Cut(last.Args[0], ":")
				// "00" and "+0" are UID 0 too; ContainerAdministrator is a Windows container's root.
				if uid, err := strconv.Atoi(u); u == "root" || (err == nil && uid == 0) || strings.EqualFold(u, "ContainerAdministrator") {
					report(last.Line, "final:user-root", "final stage runs as "+last.Args[0])
				}
			}
		},
		Fail: []string{"# want\nFROM alpine:3.20\nRUN apk add --no-cache curl\n", "FROM alpine:3.20\nUSER app\n# want\nUSER root\n", "FROM alpine:3.20\n# want\nUSER 00:1000\n", "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n# want\nUSER ContainerAdministrator\n"},
		Pass: []string{"FROM golang:1.26 AS build\nRUN go build ./...\nFROM alpine:3.20\nUSER 10001:10001\n", "FROM scratch\nCOPY app /app\n",
			"FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\n"},
	}
}

// nonRootBase reports base images published to run as a non-root user (distroless :nonroot
// tags, rootless variants), whose USER the final stage inherits.
func nonRootBase(image string) bool {
	l := strings.ToLower(image)
	return strings.Contains(l, "nonroot") || strings.Contains(l, "rootless")
}

// skipBase reports base images a pinning check cannot judge: scratch, stages, variables.
func skipBase(f *File, s *Stage) bool {
	return s.Image == "" || strings.EqualFold(s.Image, "scratch") || strings.Contains(s.Image, "$") || f.IsStageRef(s.Image, s.Index)
}

func unpinnedBase() Check {
	return Check{
		Rule: rule("docker-base-image-unpinned", "Base image without a tag or tagged latest", finding.SeverityMedium,
			"A base image without a version changes under the build: builds are not reproducible and a compromised latest tag flows straight in.",
			"Pin the base image to a version tag and digest: FROM image:1.2.3@sha256:….",
			"cis-docker:4.2", "supply-chain:pinning"),
		Run: func(f *File, report Report) {
			for i := range f.Stages {
				s := &f.Stages[i]
				if skipBase(f, s) {
					continue
				}
				if r := ParseImage(s.Image); r.Digest == "" && (r.Tag == "" || r.Tag == "latest") {
					report(s.From.Line, "from:"+s.Image, fmt.Sprintf("base image %s has no pinned version", s.Image))
				}
			}
		},
		Fail: []string{"# want\nFROM ubuntu\n", "FROM golang:1.26 AS build\n# want\nFROM nginx:latest\n"},
		Pass: []string{"FROM golang:1.26 AS build\nFROM build\n", "ARG BASE=alpine:3.20\nFROM ${BASE}\n"},
	}
}

func baseNoDigest() Check {
	return Check{
		Rule: rule("docker-base-image-no-digest", "Base image not pinned by digest", finding.SeverityLow,
			"A tag can be re-pointed at different content; only a digest fixes the bytes the build starts from.",
			"Add the digest: FROM image:1.2.3@sha256:… (tools such as Renovate keep it current).",
			"supply-chain:pinning"),
		Run: func(f *File, report Report) {
			for i := range f.Stages {
				s := &f.Stages[i]
				if skipBase(f, s) {
					continue
				}
				if r := ParseImage(s.Image); r.Digest == "" && r.Tag != "" && r.Tag != "latest" {
					report(s.From.Line, "from:"+s.Image, fmt.Sprintf("base image %s has no digest", s.Image))
				}
			}
		},
		Fail: []string{"# want\nFROM alpine:3.20\n"},
		Pass: []string{"FROM alpine:3.20@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31\n"},
	}
}

func baseNotAllowed(cfg Config) Check {
	return Check{
		Rule: rule("docker-base-image-not-allowed", "Base image outside the allow-list", finding.SeverityMedium,
			"The organisation's allow-list names the base images it patches and trusts; others bring unknown content and update cadence.",
			"Build on an image from the allow-list (image.allowed-bases in palisade.yaml).",
			"supply-chain:trusted-sources"),
		Run: func(f *File, report Report) {
			if len(cfg.AllowedBaseImages) == 0 {
				return
			}
			for i := range f.Stages {
				s := &f.Stages[i]
				if strings.Contains(s.Image, "$") {
					// A build argument picks the base at build time: no static answer is an
					// answer of "allowed", so say the list could not be applied.
					report(s.From.Line, "from:"+s.Image, fmt.Sprintf("base image %s is chosen by a build argument, so it cannot be held to the allow-list here; scan the built image", s.Image))
					continue
				}
				if skipBase(f, s) {
					continue
				}
				if !BaseAllowed(cfg.AllowedBaseImages, s.Image) {
					report(s.From.Line, "from:"+ParseImage(s.Image).Name, fmt.Sprintf("base image %s is not in the allow-list", s.Image))
				}
			}
		},
		Fail: []string{"# want\nFROM docker.io/someone/base:1\n", "ARG BASE=alpine:3.20\n# want\nFROM ${BASE}\n"},
		Pass: []string{"FROM registry.example/base/debian:12\n", "FROM alpine:3.20 AS build\nFROM build\n"},
	}
}

func addURL() Check {
	return Check{
		Rule: rule("docker-add-url", "ADD downloads from a URL", finding.SeverityMedium,
			"ADD fetches the URL without verifying what it got; the download is neither pinned nor checked.",
			"Download with curl in a RUN and verify a checksum, or use ADD --checksum=sha256:….",
			"cis-docker:4.9", "supply-chain:integrity"),
		Run: func(f *File, report Report) {
			eachInstr(f, func(_ *Stage, in Instruction) {
				if slices.ContainsFunc(in.Flags, func(fl string) bool { return strings.HasPrefix(fl, "--checksum") }) {
					return
				}
				for _, a := range in.Args[:max(len(in.Args)-1, 0)] {
					if strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "git@") {
						report(in.Line, "add:"+a, "ADD downloads "+a+" without verifying it")
					}
				}
			}, "ADD")
		},
		Fail: []string{"FROM alpine:3.20\n# want\nADD https://example.com/tool.tar.gz /opt/\n"},
		Pass: []string{"FROM alpine:3.20\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/\n"},
	}
}

func addLocal() Check {
	return Check{
		Rule: rule("docker-add-instead-of-copy", "ADD used to copy local files", finding.SeverityLow,
			"ADD silently unpacks archives and fetches URLs; COPY does exactly what it says.",
			"Use COPY for local files.",
			"cis-docker:4.9"),
		Run: func(f *File, report Report) {
			eachInstr(f, func(_ *Stage, in Instruction) {
				for _, a := range in.Args[:max(len(in.Args)-1, 0)] {
					if strings.Contains(a, "://") || strings.HasPrefix(a, "git@") {
						return
					}
					for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".txz", ".tbz2"} {
						if strings.HasSuffix(a, ext) {
							return
						}
					}
				}
				report(in.Line, "add:"+in.Original, "ADD copies local files; use COPY")
			}, "ADD")
		},
		Fail: []string{"FROM alpine:3.20\n# want\nADD app.conf /etc/app.conf\n"},
		Pass: []string{"FROM alpine:3.20\nADD rootfs.tar.gz /\nCOPY app.conf /etc/app.conf\n"},
	}
}

var pipeShellRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b`)
})

func pipeToShell() Check {
	return Check{
		Rule: rule("docker-pipe-to-shell", "Remote script piped into a shell", finding.SeverityHigh,
			"curl … | sh runs whatever the server returns at build time, unverified; a compromised or spoofed host owns the image.",
			"Download the script, verify its checksum or signature, then run it.",
			"supply-chain:integrity"),
		Run: func(f *File, report Report) {
			runs(f, func(in Instruction, script string) {
				if pipeShellRE().MatchString(script) {
					report(in.Line, "run:"+in.Original, "RUN pipes a download into a shell")
				}
			})
		},
		Fail: []string{"FROM debian:12\n# want\nRUN curl -fsSL https://get.example.com/install.sh \\\n    | bash -s -- --yes\n"},
		Pass: []string{"FROM debian:12\nRUN curl -fsSLo install.sh https://get.example.com/install.sh && echo \"abc  install.sh\" | sha256sum -c && sh install.sh\n"},
	}
}

// notSecretValue reports values that are clearly not a credential: empty, references, paths.
func notSecretValue(v string) bool {
	l := strings.ToLower(v)
	return len(v) < 4 || strings.HasPrefix(v, "$") || strings.HasPrefix(v, "/") || l == "true" || l == "false" ||
		strings.Trim(v, "0123456789.") == "" ||
		((strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")) && !strings.Contains(v, "@"))
}

func secretEnv() Check {
	return secretKeyValues("docker-secret-in-env", "Credential in ENV", "ENV", "env:",
		"ENV values are baked into the image config: anyone who can pull the image can read them with docker inspect.",
		"Pass secrets at run time (orchestrator secrets), or at build time with RUN --mount=type=secret.",
		"FROM alpine:3.20\n# want\nENV APP_ENV=prod DB_PASSWORD=\"s3cr3t-value\"\n",
		"FROM alpine:3.20\nENV TOKEN_FILE=/run/secrets/token APP_ENV=prod\n")
}

func secretArg() Check {
	r := rule("docker-secret-in-arg", "Credential passed as a build argument", finding.SeverityMedium,
		"Build arguments are recorded in the image history (docker history shows them), so a secret passed with --build-arg leaks with the image.",
		"Use RUN --mount=type=secret,id=… and docker build --secret.",
		"cis-docker:4.10")
	r.CWE = []string{"CWE-798"}
	return Check{
		Rule: r,
		Run: func(f *File, report Report) {
			flagSecrets := func(in Instruction) {
				for _, kv := range in.KeyValues() {
					if check.SecretName(kv[0]) {
						report(in.Line, "arg:"+kv[0], fmt.Sprintf("ARG %s carries a credential into the image history", kv[0]))
					}
				}
			}
			for _, in := range f.Args {
				flagSecrets(in)
			}
			eachInstr(f, func(_ *Stage, in Instruction) { flagSecrets(in) }, "ARG")
		},
		Fail: []string{"FROM alpine:3.20\n# want\nARG NPM_TOKEN\n"},
		Pass: []string{"FROM alpine:3.20\nARG VERSION=1.2.3\nRUN --mount=type=secret,id=npm_token true\n"},
	}
}

func aptCache() Check {
	return Check{
		Rule: rule("docker-apt-cache", "apt lists left in the image", finding.SeverityLow,
			"apt-get update without removing /var/lib/apt/lists in the same RUN leaves tens of megabytes of stale package lists in the layer.",
			"End the RUN with `&& rm -rf /var/lib/apt/lists/*` (or use a cache mount).",
			"hygiene:image-size"),
		Run: func(f *File, report Report) {
			runs(f, func(in Instruction, script string) {
				if strings.Contains(script, "apt-get install") || strings.Contains(script, "apt install") {
					if !strings.Contains(script, "/var/lib/apt/lists") && !slices.ContainsFunc(in.Flags, func(s string) bool { return strings.Contains(s, "/var/lib/apt") }) {
						report(in.Line, "run:"+in.Original, "apt package lists are left in the layer")
					}
				}
			})
		},
		Fail: []string{"FROM debian:12\n# want\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"},
		Pass: []string{"FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"},
	}
}

func apkCache() Check {
	return Check{
		Rule: rule("docker-apk-cache", "apk cache left in the image", finding.SeverityLow,
			"apk add without --no-cache keeps the package index in the layer.",
			"Use `apk add --no-cache`.",
			"hygiene:image-size"),
		Run: func(f *File, report Report) {
			runs(f, func(in Instruction, script string) {
				if strings.Contains(script, "apk add") && !strings.Contains(script, "--no-cache") && !strings.Contains(script, "/var/cache/apk") {
					report(in.Line, "run:"+in.Original, "apk cache is left in the layer")
				}
			})
		},
		Fail: []string{"FROM alpine:3.20\n# want\nRUN apk update && apk add curl\n"},
		Pass: []string{"FROM alpine:3.20\nRUN apk add --no-cache curl\n"},
	}
}

func yumCache() Check {
	return Check{
		Rule: rule("docker-yum-cache", "yum/dnf cache left in the image", finding.SeverityLow,
			"yum or dnf install without `clean all` in the same RUN keeps package metadata and downloads in the layer.",
			"End the RUN with `&& yum clean all` (or dnf/microdnf clean all).",
			"hygiene:image-size"),
		Run: func(f *File, report Report) {
			runs(f, func(in Instruction, script string) {
				for _, pm := range []string{"yum", "dnf", "microdnf"} {
					if strings.Contains(script, pm+" install") && !strings.Contains(script, "clean all") && !strings.Contains(script, "/var/cache/"+pm) {
						report(in.Line, "run:"+in.Original, pm+" cache is left in the layer")
						return
					}
				}
			})
		},
		Fail: []string{"FROM rockylinux:9\n# want\nRUN yum install -y httpd\n"},
		Pass: []string{"FROM rockylinux:9\nRUN yum install -y httpd && yum clean all\n"},
	}
}

func pipCache() Check {
	pipRE := regexp.MustCompile(`\bpip3?\s+install\b`)
	return Check{
		Rule: rule("docker-pip-cache", "pip cache left in the image", finding.SeverityLow,
			"pip install keeps downloaded wheels in ~/.cache/pip unless told not to.",
			"Use `pip install --no-cache-dir` (or a cache mount).",
			"hygiene:image-size"),
		Run: func(f *File, report Report) {
			runs(f, func(in Instruction, script string) {
				if pipRE.MatchString(script) && !strings.Contains(script, "--no-cache-dir") &&
					!slices.ContainsFunc(in.Flags, func(s string) bool { return strings.Contains(s, "type=cache") }) {
					report(in.Line, "run:"+in.Original, "pip cache is left in the layer")
				}
			})
		},
		Fail: []string{"FROM python:3.13\n# want\nRUN pip install -r requirements.txt\n"},
		Pass: []string{"FROM python:3.13\nRUN pip install --no-cache-dir -r requirements.txt\n"},
	}
}

func noHealthcheck() Check {
	return Check{
		Rule: rule("docker-no-healthcheck", "Image declares no HEALTHCHECK", finding.SeverityLow,
			"Without a HEALTHCHECK, Docker and Compose cannot tell a hung service from a healthy one.",
			"Add a HEALTHCHECK to the final stage (Kubernetes uses probes instead; ignore there).",
			"cis-docker:4.6"),
		Run: func(f *File, report Report) {
			s := f.Final()
			if s == nil || strings.EqualFold(s.Image, "scratch") {
				return
			}
			if !slices.ContainsFunc(s.Body, func(in Instruction) bool { return in.Cmd == "HEALTHCHECK" }) {
				msg := "final stage declares no HEALTHCHECK"
				if f.Built {
					msg = "the image declares no HEALTHCHECK"
				}
				report(s.From.Line, "final:no-healthcheck", msg)
			}
		},
		Fail: []string{"# want\nFROM nginx:1.27\n"},
		Pass: []string{"FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n"},
	}
}

func sudo() Check {
	re := regexp.MustCompile(`(^|[;&|(]\s*|\s)sudo\s`)
	return Check{
		Rule: rule("docker-sudo", "sudo used in RUN", finding.SeverityMedium,
			"sudo in an image means a privilege boundary inside the container; builds already run as the current USER, and sudo left installed is a path to root at run time.",
			"Switch USER around privileged steps instead of using sudo, and do not install sudo.",
			"cis-docker:4.1"),
		Run: func(f *File, report Report) {
			runs(f, func(in Instruction, script string) {
				if re.MatchString(script) {
					report(in.Line, "run:"+in.Original, "RUN uses sudo")
				}
			})
		},
		Fail: []string{"FROM ubuntu:24.04\n# want\nRUN sudo apt-get update\n"},
		Pass: []string{"FROM ubuntu:24.04\nRUN echo sudoers-not-used > /tmp/x\n"},
	}
}

func insecureDownload() Check {
	re := regexp.MustCompile(`\bcurl\b[^;&|]*\s(-k|--insecure|-[a-zA-Z]*k[a-zA-Z]*)\b|--no-check-certificate|git\s+-c\s+http\.sslVerify=false|GIT_SSL_NO_VERIFY|pip3?\s+install[^;&|]*--trusted-host`)
	return Check{
		Rule: rule("docker-insecure-download", "TLS verification disabled for a download", finding.SeverityHigh,
			"curl -k, wget --no-check-certificate and friends accept any certificate, so anyone on the path can substitute the download.",
			"Remove the flag and install the CA certificate the server needs.",
			"supply-chain:integrity"),
		Run: func(f *File, report Report) {
			runs(f, func(in Instruction, script string) {
				if re.MatchString(script) {
					report(in.Line, "run:"+in.Original, "RUN downloads without verifying TLS")
				}
			})
		},
		Fail: []string{"FROM debian:12\n# want\nRUN curl -sSLk https://example.com/x -o /x\n", "FROM debian:12\n# want\nRUN wget --no-check-certificate https://example.com/x\n"},
		Pass: []string{"FROM debian:12\nRUN curl -fsSL https://example.com/x -o /x\n"},
	}
}

func noSignatureCheck() Check {
	return Check{
		Rule: rule("docker-package-signature-disabled", "Package signature verification disabled", finding.SeverityHigh,
			"--allow-unauthenticated, --nogpgcheck and --allow-untrusted install packages whose signatures were not checked.",
			"Remove the flag and import the repository's signing key.",
			"supply-chain:integrity"),
		Run: func(f *File, report Report) {
			runs(f, func(in Instruction, script string) {
				for _, flag := range []string{"--allow-unauthenticated", "--nogpgcheck", "--allow-untrusted", "gpgcheck=0", "--no-gpg-checks", "AllowInsecureRepositories"} {
					if strings.Contains(script, flag) {
						report(in.Line, "run:"+in.Original, "RUN installs packages with "+flag)
						return
					}
				}
			})
		},
		Fail: []string{"FROM rockylinux:9\n# want\nRUN dnf install -y --nogpgcheck ./pkg.rpm && dnf clean all\n"},
		Pass: []string{"FROM rockylinux:9\nRUN dnf install -y ./pkg.rpm && dnf clean all\n"},
	}
}

func credentialsInURL() Check {
	r := rule("docker-credentials-in-url", "Credentials embedded in a URL", finding.SeverityCritical,
		"A user:password@ or token@ URL in the Dockerfile is in version control and in the image history.",
		"Use RUN --mount=type=secret or an SSH mount for private sources.",
		"cis-docker:4.10")
	r.CWE = []string{"CWE-798"}
	re := regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://([^/\s:@$]+):([^/\s@$]+)@`)
	return Check{
		Rule: r,
		Run: func(f *File, report Report) {
			for i := range f.Stages {
				for _, in := range f.Stages[i].Body {
					if m := re.FindStringSubmatch(in.Original); m != nil {
						report(in.Line, in.Cmd+":"+m[1], fmt.Sprintf("%s embeds credentials for user %s (%s)", in.Cmd, m[1], finding.Redact(m[2])))
					}
				}
			}
		},
		Fail: []string{"FROM alpine/git:2.45\n# want\nRUN git clone https://ci:ghp_0123456789abcdefghij@github.com/org/repo.git\n"},
		Pass: []string{"FROM alpine/git:2.45\nRUN --mount=type=ssh git clone git@github.com:org/repo.git\n"},
	}
}

func chmodWorldWritable() Check {
	re := regexp.MustCompile(`\bchmod\s+(-R\s+)?(0?777|[0-7]?[0-7][0-7][2367]\b|[ugoa]*o[ugoa]*\+[rwxX]*w)`)
	return Check{
		Rule: rule("docker-world-writable", "World-writable permissions", finding.SeverityMedium,
			"chmod 777 (or o+w) lets any user in the container rewrite the files, binaries included.",
			"Grant write access to the owning user only (chmod 755 / 644, chown to the app user).",
			"hygiene:permissions"),
		Run: func(f *File, report Report) {
			runs(f, func(in Instruction, script string) {
				if re.MatchString(script) {
					report(in.Line, "run:"+in.Original, "RUN makes files world-writable")
				}
			})
		},
		Fail: []string{"FROM alpine:3.20\n# want\nRUN chmod -R 777 /app\n"},
		Pass: []string{"FROM alpine:3.20\nRUN chmod 755 /app/run.sh\n"},
	}
}

func exposeSSH() Check {
	return Check{
		Rule: rule("docker-expose-ssh", "SSH port exposed", finding.SeverityMedium,
			"An SSH server in a container is an unmonitored way in; use kubectl exec or docker exec for debugging.",
			"Remove EXPOSE 22 and the SSH server.",
			"cis-docker:4.8"),
		Run: func(f *File, report Report) {
			eachInstr(f, func(_ *Stage, in Instruction) {
				// A range that takes 22 in exposes it too; once per instruction however spelt.
				if slices.ContainsFunc(in.Args, func(a string) bool { lo, hi, ok := ExposedPorts(a); return ok && lo <= 22 && 22 <= hi }) {
					report(in.Line, "expose:22", "image exposes port 22")
				}
			}, "EXPOSE")
		},
		Fail: []string{"FROM debian:12\n# want\nEXPOSE 8080 22/tcp\n", "FROM debian:12\n# want\nEXPOSE 20-30/tcp 22/udp\n"},
		Pass: []string{"FROM debian:12\nEXPOSE 8080\n"},
	}
}

func insecureRunSecurity() Check {
	return Check{
		Rule: rule("docker-run-security-insecure", "RUN with --security=insecure", finding.SeverityHigh,
			"RUN --security=insecure runs the step with full privileges on the build host.",
			"Remove --security=insecure; build steps should not need privileges.",
			"supply-chain:build-isolation"),
		Run: func(f *File, report Report) {
			eachInstr(f, func(_ *Stage, in Instruction) {
				if slices.Contains(in.Flags, "--security=insecure") {
					report(in.Line, "run:"+in.Original, "RUN step runs with --security=insecure")
				}
			}, "RUN")
		},
		Fail: []string{"# syntax=docker/dockerfile:1-labs\nFROM debian:12\n# want\nRUN --security=insecure mount -t tmpfs none /mnt\n"},
		Pass: []string{"FROM debian:12\nRUN --network=none make\n"},
	}
}

func aptUpgrade() Check {
	re := regexp.MustCompile(`\bapt(-get)?\s+(-\S+\s+)*(dist-)?upgrade\b`)
	return Check{
		Rule: rule("docker-package-upgrade", "Distribution upgrade in RUN", finding.SeverityInfo,
			"apt-get upgrade / dist-upgrade makes the image depend on the day it was built; pin a patched base image instead.",
			"Rebuild on an updated base image rather than upgrading packages inside it.",
			"hygiene:reproducibility"),
		Run: func(f *File, report Report) {
			runs(f, func(in Instruction, script string) {
				if re.MatchString(script) {
					report(in.Line, "run:"+in.Original, "RUN upgrades the distribution")
				}
			})
		},
		Fail: []string{"FROM debian:12\n# want\nRUN apt-get update && apt-get -y upgrade && rm -rf /var/lib/apt/lists/*\n"},
		Pass: []string{"FROM debian:12\nRUN apt-get update && apt-get install -y --only-upgrade openssl && rm -rf /var/lib/apt/lists/*\n"},
	}
}

func maintainer() Check {
	return Check{
		Rule: rule("docker-maintainer-deprecated", "MAINTAINER is deprecated", finding.SeverityInfo,
			"MAINTAINER is deprecated; the OCI label org.opencontainers.image.authors carries the same information where tools look for it.",
			"Replace MAINTAINER with LABEL org.opencontainers.image.authors=….",
			"hygiene:metadata"),
		Run: func(f *File, report Report) {
			eachInstr(f, func(_ *Stage, in Instruction) { report(in.Line, "maintainer", "MAINTAINER is deprecated") }, "MAINTAINER")
		},
		Fail: []string{"FROM debian:12\n# want\nMAINTAINER dev@example.com\n"},
		Pass: []string{"FROM debian:12\nLABEL org.opencontainers.image.authors=dev@example.com\n"},
	}
}

func copyAll() Check {
	return Check{
		Rule: rule("docker-copy-context-root", "Whole build context copied into the final image", finding.SeverityLow,
			"COPY . copies everything the .dockerignore does not exclude (.git, .env, keys) into the image users run.",
			"Copy only what the application needs, or build in an earlier stage and copy the artefact.",
			"cis-docker:4.10"),
		Run: func(f *File, report Report) {
			s := f.Final()
			if s == nil || len(f.Stages) > 1 {
				return // multi-stage builds usually copy the context into a build stage only
			}
			for _, in := range s.Body {
				if in.Cmd == "COPY" && len(in.Args) >= 2 && !slices.ContainsFunc(in.Flags, func(fl string) bool { return strings.HasPrefix(fl, "--from") }) {
					for _, a := range in.Args[:len(in.Args)-1] {
						if a == "." || a == "./" {
							report(in.Line, "copy:"+in.Original, "the whole build context is copied into the image")
						}
					}
				}
			}
		},
		Fail: []string{"FROM node:22\nWORKDIR /app\n# want\nCOPY . .\n"},
		Pass: []string{"FROM node:22\nWORKDIR /app\nCOPY package.json server.js ./\n"},
	}
}

func missingYes() Check {
	return Check{
		Rule: rule("docker-apt-no-install-recommends", "apt installs recommended packages", finding.SeverityInfo,
			"Recommended packages enlarge the attack surface with software nobody asked for.",
			"Add --no-install-recommends to apt-get install.",
			"hygiene:image-size"),
		Run: func(f *File, report Report) {
			runs(f, func(in Instruction, script string) {
				if strings.Contains(script, "apt-get install") && !strings.Contains(script, "--no-install-recommends") {
					report(in.Line, "run:"+in.Original, "apt-get install without --no-install-recommends")
				}
			})
		},
		Fail: []string{"FROM debian:12\n# want\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"},
		Pass: []string{"FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"},
	}
}
