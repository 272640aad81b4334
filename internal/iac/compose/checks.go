package compose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
	"github.com/palisade-sec/palisade/internal/iac/yamlpos"
)

// Builtin is the one list of built-in Compose checks, in report order.
func Builtin() []Check {
	return []Check{
		privileged(), hostNamespace("compose-host-network", "network_mode", "network"), hostNamespace("compose-host-pid", "pid", "PID"),
		hostNamespace("compose-host-ipc", "ipc", "IPC"), runtimeSocket(), sensitiveMount(), secretEnv(), portAllInterfaces(),
		dangerousCaps(), securityOptUnconfined(), imageUnpinned(), rootUser(), hostDevices(),
	}
}

func rule(id, title string, sev finding.Severity, desc, fix string, tags ...string) finding.Rule {
	return finding.Rule{ID: id, Title: title, Severity: sev, Description: desc, Remediation: fix, Tags: tags}
}

func svc(fields string) string {
	return "services:\n  web:\n    image: registry.example/web:1.4.2\n" + indent(fields, "    ")
}

func indent(s, by string) string {
	if s == "" {
		return ""
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func root() yamlpos.Path { return yamlpos.Path{} }

func privileged() Check {
	return Check{
		Rule: rule("compose-privileged", "Privileged service", finding.SeverityCritical,
			"privileged: true gives the container every capability and the host's devices.",
			"Remove privileged and add only the capabilities needed.", "cis-docker:5.4"),
		Run: eachService(func(s *Service, report Report) {
			if s.Privileged {
				report(root().Field("privileged"), fmt.Sprintf("service %s runs privileged", s.Name))
			}
		}),
		Fail: []string{svc("privileged: true # want")},
		Pass: []string{svc("privileged: false")},
	}
}

func hostNamespace(id, field, what string) Check {
	return Check{
		Rule: rule(id, "Service shares the host "+what+" namespace", finding.SeverityHigh,
			"Sharing the host's "+what+" namespace removes the isolation between the container and the host.",
			"Remove "+field+": host.", "cis-docker:5.9", "cis-docker:5.15", "cis-docker:5.16"),
		Run: eachService(func(s *Service, report Report) {
			v := map[string]string{"network_mode": s.NetworkMode, "pid": s.PID, "ipc": s.IPC}[field]
			if v == "host" {
				report(root().Field(field), fmt.Sprintf("service %s shares the host %s namespace", s.Name, what))
			}
		}),
		Fail: []string{svc(field + ": host # want")},
		Pass: []string{svc("")},
	}
}

func runtimeSocket() Check {
	return Check{
		Rule: rule("compose-runtime-socket", "Container runtime socket mounted", finding.SeverityCritical,
			"Mounting the Docker or containerd socket hands the service control of the host's containers: root on the host.",
			"Remove the socket mount; if a tool needs the API, put an authorising proxy in front of it.", "cis-docker:5.31"),
		Run: eachService(func(s *Service, report Report) {
			for i, m := range s.Volumes {
				if strings.HasSuffix(m.Source, "docker.sock") || strings.HasSuffix(m.Source, "containerd.sock") || strings.HasSuffix(m.Source, "podman.sock") {
					report(root().Field("volumes").Item(i, m.Target), fmt.Sprintf("service %s mounts %s", s.Name, m.Source))
				}
			}
		}),
		Fail: []string{svc("volumes:\n  - /var/run/docker.sock:/var/run/docker.sock # want")},
		Pass: []string{svc("volumes:\n  - ./data:/data")},
	}
}

func sensitiveMount() Check {
	bad := []string{"/", "/etc", "/root", "/proc", "/sys", "/dev", "/boot", "/var/lib/docker", "/var/run", "/run", "/home"}
	return Check{
		Rule: rule("compose-sensitive-mount", "Sensitive host directory mounted", finding.SeverityHigh,
			"Bind-mounting /, /etc, /proc, /sys and similar host directories exposes host credentials and control.",
			"Mount only application directories, read-only where possible.", "cis-docker:5.5"),
		Run: eachService(func(s *Service, report Report) {
			for i, m := range s.Volumes {
				src := strings.TrimRight(m.Source, "/")
				if src == "" && m.Source == "/" {
					src = "/"
				}
				if slices.Contains(bad, src) {
					report(root().Field("volumes").Item(i, m.Target), fmt.Sprintf("service %s mounts host directory %s", s.Name, m.Source))
				}
			}
		}),
		Fail: []string{svc("volumes:\n  - type: bind # want\n    source: /etc\n    target: /host-etc")},
		Pass: []string{svc("volumes:\n  - db-data:/var/lib/postgresql/data")},
	}
}

func secretEnv() Check {
	r := rule("compose-secret-in-environment", "Credential as a literal environment value", finding.SeverityHigh,
		"A credential written into the Compose file is in version control and in `docker inspect`.",
		"Use Compose secrets, or an env_file kept out of version control, or ${VARIABLE} substitution.", "cis-docker:4.10")
	r.CWE = []string{"CWE-798"}
	return Check{
		Rule: r,
		Run: eachService(func(s *Service, report Report) {
			for _, e := range s.Environment {
				if e.HasValue && check.SecretName(e.Name) && len(e.Value) >= 4 && !strings.Contains(e.Value, "${") &&
					!strings.HasPrefix(e.Value, "/") && strings.Trim(e.Value, "0123456789.") != "" {
					report(e.path, fmt.Sprintf("service %s sets %s to a literal value (%s)", s.Name, e.Name, finding.Redact(e.Value)))
				}
			}
		}),
		Fail: []string{svc("environment:\n  POSTGRES_PASSWORD: example-password # want"), svc("environment:\n  - LOG=debug\n  - API_TOKEN=abcd1234efgh # want")},
		Pass: []string{svc("environment:\n  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n  POSTGRES_PASSWORD_FILE: /run/secrets/db")},
	}
}

func portAllInterfaces() Check {
	return Check{
		Rule: rule("compose-port-all-interfaces", "Port published on every interface", finding.SeverityMedium,
			"A port without a host IP binds 0.0.0.0 (and ::), and Docker's firewall rules bypass the host firewall: the service is reachable from the network.",
			"Bind to 127.0.0.1 (\"127.0.0.1:8080:80\") unless the port is meant to be public.", "cis-docker:5.13"),
		Run: eachService(func(s *Service, report Report) {
			for i, p := range s.Ports {
				if p.HostIP == "" || p.HostIP == "0.0.0.0" || p.HostIP == "::" {
					report(root().Field("ports").Item(i, p.Target), fmt.Sprintf("service %s publishes port %s on every interface", s.Name, p.Target))
				}
			}
		}),
		Fail: []string{svc("ports:\n  - \"8080:80\" # want\n  - 127.0.0.1:9090:9090")},
		Pass: []string{svc("ports:\n  - 127.0.0.1:8080:80\n  - target: 443\n    published: 8443\n    host_ip: 127.0.0.1")},
	}
}

func dangerousCaps() Check {
	bad := []string{"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "BPF", "DAC_READ_SEARCH", "NET_RAW"}
	return Check{
		Rule: rule("compose-dangerous-capability", "Service adds a capability known to enable escape", finding.SeverityHigh,
			"SYS_ADMIN, SYS_MODULE, SYS_PTRACE, NET_ADMIN and similar capabilities give the container power over the host kernel.",
			"Remove the capability from cap_add.", "cis-docker:5.3"),
		Run: eachService(func(s *Service, report Report) {
			for i, c := range s.CapAdd {
				if slices.Contains(bad, strings.TrimPrefix(strings.ToUpper(c), "CAP_")) {
					report(root().Field("cap_add").Item(i, ""), fmt.Sprintf("service %s adds %s", s.Name, c))
				}
			}
		}),
		Fail: []string{svc("cap_add:\n  - SYS_ADMIN # want")},
		Pass: []string{svc("cap_add:\n  - NET_BIND_SERVICE")},
	}
}

func securityOptUnconfined() Check {
	return Check{
		Rule: rule("compose-security-opt-unconfined", "Seccomp, AppArmor or SELinux disabled", finding.SeverityHigh,
			"seccomp:unconfined, apparmor:unconfined and label:disable remove the kernel-level confinement of the container.",
			"Remove the security_opt entry or point it at a custom profile.", "cis-docker:5.1", "cis-docker:5.2", "cis-docker:5.21"),
		Run: eachService(func(s *Service, report Report) {
			for i, o := range s.SecurityOpt {
				l := strings.ToLower(strings.ReplaceAll(o, "=", ":"))
				if l == "seccomp:unconfined" || l == "apparmor:unconfined" || l == "label:disable" || l == "systempaths:unconfined" {
					report(root().Field("security_opt").Item(i, ""), fmt.Sprintf("service %s sets %s", s.Name, o))
				}
			}
		}),
		Fail: []string{svc("security_opt:\n  - no-new-privileges:true\n  - seccomp=unconfined # want")},
		Pass: []string{svc("security_opt:\n  - no-new-privileges:true")},
	}
}

func imageUnpinned() Check {
	return Check{
		Rule: rule("compose-image-unpinned", "Image without a tag or tagged latest", finding.SeverityMedium,
			"A service image without a version changes under the deployment.",
			"Pin the image to a version tag and digest.", "supply-chain:pinning"),
		Run: eachService(func(s *Service, report Report) {
			img := s.Image
			if img == "" || strings.Contains(img, "$") || strings.Contains(img, "@") {
				return
			}
			tag := ""
			if i := strings.LastIndex(img, ":"); i > strings.LastIndex(img, "/") {
				tag = img[i+1:]
			}
			if tag == "" || tag == "latest" {
				report(root().Field("image"), fmt.Sprintf("service %s uses image %s without a pinned version", s.Name, img))
			}
		}),
		Fail: []string{"services:\n  db:\n    image: postgres # want\n"},
		Pass: []string{"services:\n  db:\n    image: postgres:17.2\n"},
	}
}

func rootUser() Check {
	return Check{
		Rule: rule("compose-root-user", "Service runs as root explicitly", finding.SeverityMedium,
			"user: root (or 0) overrides a non-root USER from the image.",
			"Run as a non-root UID.", "cis-docker:4.1"),
		Run: eachService(func(s *Service, report Report) {
			u, _, _ := strings.Cut(s.User, ":")
			if u == "root" || u == "0" {
				report(root().Field("user"), fmt.Sprintf("service %s runs as %s", s.Name, s.User))
			}
		}),
		Fail: []string{svc("user: \"0:0\" # want")},
		Pass: []string{svc("user: \"10001:10001\"")},
	}
}

func hostDevices() Check {
	return Check{
		Rule: rule("compose-host-device", "Host device mapped into a service", finding.SeverityMedium,
			"A mapped host device gives the container direct access to hardware, bypassing the kernel's isolation of it.",
			"Remove the device mapping unless the service drives that hardware.", "cis-docker:5.17"),
		Run: eachService(func(s *Service, report Report) {
			for i, d := range s.Devices {
				report(root().Field("devices").Item(i, ""), fmt.Sprintf("service %s maps device %s", s.Name, d))
			}
		}),
		Fail: []string{svc("devices:\n  - /dev/mem:/dev/mem # want")},
		Pass: []string{svc("")},
	}
}
