package k8s

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// The Pod Security Standards controls, baseline then restricted. Each check reads the effective
// setting (a container's value overrides its pod's) and reports the field that breaks the
// control, or the container or pod spec that lacks a required one.

func rule(id, title string, sev finding.Severity, desc, fix string, tags ...string) finding.Rule {
	return finding.Rule{ID: id, Title: title, Severity: sev, Description: desc, Remediation: fix, Tags: tags}
}

func privilegedContainer() Check {
	return Check{
		Rule: rule("k8s-privileged-container", "Privileged container", finding.SeverityCritical,
			"A privileged container has every capability and all host devices; escaping to the node is trivial.",
			"Remove securityContext.privileged or set it to false; grant only the capabilities the process needs.",
			"pss:baseline:privileged-containers", "cis-k8s:5.2.2", "nsa-cisa:non-privileged-containers"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			p, s := sc(c)
			if s != nil && isTrue(s.Privileged) {
				report(p.Field("privileged"), fmt.Sprintf("container %q runs privileged", c.Name))
			}
		}),
		Fail: []string{example("", "", "securityContext:\n  privileged: true # want")},
		Pass: []string{example("", "", "securityContext:\n  privileged: false"), example("", "", "")},
	}
}

func hostNamespaceCheck(id, field, title, what, cis string) Check {
	return Check{
		Rule: rule(id, title, finding.SeverityHigh,
			fmt.Sprintf("Sharing the node's %s namespace lets the pod see and reach what other workloads and the node itself use there.", what),
			fmt.Sprintf("Remove spec.%s or set it to false.", field),
			"pss:baseline:host-namespaces", "cis-k8s:"+cis, "nsa-cisa:pod-security"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			var on bool
			switch field {
			case "hostNetwork":
				on = pod.Spec.HostNetwork
			case "hostPID":
				on = pod.Spec.HostPID
			case "hostIPC":
				on = pod.Spec.HostIPC
			}
			if on {
				report(pod.SpecPath.Field(field), fmt.Sprintf("pod shares the host %s namespace (%s: true)", what, field))
			}
		}),
		Fail: []string{example("", field+": true # want", "")},
		Pass: []string{example("", field+": false", ""), example("", "", "")},
	}
}

func hostProcess() Check {
	return Check{
		Rule: rule("k8s-windows-host-process", "Windows HostProcess container", finding.SeverityCritical,
			"A Windows HostProcess container runs directly on the node with the node's privileges.",
			"Remove windowsOptions.hostProcess or set it to false.",
			"pss:baseline:hostprocess", "cis-k8s:5.2.11"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			if pp, s := podSC(pod); s != nil && s.WindowsOptions != nil && isTrue(s.WindowsOptions.HostProcess) {
				report(pp.Field("windowsOptions", "hostProcess"), "pod runs as a Windows HostProcess")
			}
			for _, c := range pod.Containers() {
				if p, s := sc(c); s != nil && s.WindowsOptions != nil && isTrue(s.WindowsOptions.HostProcess) {
					report(p.Field("windowsOptions", "hostProcess"), fmt.Sprintf("container %q runs as a Windows HostProcess", c.Name))
				}
			}
		}),
		Fail: []string{example("", "", "securityContext:\n  windowsOptions:\n    hostProcess: true # want")},
		Pass: []string{example("", "", "securityContext:\n  windowsOptions:\n    hostProcess: false")},
	}
}

func hostPathVolume() Check {
	return Check{
		Rule: rule("k8s-hostpath-volume", "hostPath volume", finding.SeverityHigh,
			"A hostPath volume exposes the node's file system to the pod; writable mounts of system paths are a direct path to the node.",
			"Use an emptyDir, a ConfigMap, a Secret or a PersistentVolumeClaim instead.",
			"pss:baseline:hostpath-volumes", "cis-k8s:5.2.12", "nsa-cisa:pod-security"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			for i, v := range pod.Spec.Volumes {
				if v.HostPath != nil {
					report(pod.SpecPath.Field("volumes").Item(i, v.Name).Field("hostPath"), fmt.Sprintf("volume %q mounts host path %q", v.Name, v.HostPath.Path))
				}
			}
		}),
		Fail: []string{example("", "volumes:\n- name: data\n  hostPath: # want\n    path: /srv/data", "")},
		Pass: []string{example("", "volumes:\n- name: data\n  emptyDir: {}", "")},
	}
}

func hostPort() Check {
	return Check{
		Rule: rule("k8s-host-port", "Container binds a host port", finding.SeverityMedium,
			"A host port binds the node's network interface directly, bypassing Services and NetworkPolicies, and limits scheduling.",
			"Remove hostPort and expose the container through a Service.",
			"pss:baseline:host-ports", "cis-k8s:5.2.13"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			for i, port := range c.Ports {
				if port.HostPort != 0 {
					report(c.Path.Field("ports").Item(i, port.Name).Field("hostPort"), fmt.Sprintf("container %q binds host port %d", c.Name, port.HostPort))
				}
			}
		}),
		Fail: []string{example("", "", "ports:\n- containerPort: 8080\n  hostPort: 80 # want")},
		Pass: []string{example("", "", "ports:\n- containerPort: 8080")},
	}
}

// baselineCaps are the capabilities the baseline level allows a container to add.
func baselineCaps() []string {
	return []string{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
		"SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
}

func capsAddedBaseline() Check {
	return Check{
		Rule: rule("k8s-capabilities-added", "Container adds a capability beyond the baseline set", finding.SeverityHigh,
			"Capabilities outside the container runtime's default set (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, …) give a container powers over the node's kernel.",
			"Remove the capability from securityContext.capabilities.add.",
			"pss:baseline:capabilities", "cis-k8s:5.2.9", "nsa-cisa:pod-security"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			p, s := sc(c)
			if s == nil || s.Capabilities == nil {
				return
			}
			allowed := baselineCaps()
			for i, cp := range s.Capabilities.Add {
				if !slices.Contains(allowed, capName(cp)) {
					report(p.Field("capabilities", "add").Item(i, ""), fmt.Sprintf("container %q adds capability %s", c.Name, cp))
				}
			}
		}),
		Fail: []string{example("", "", "securityContext:\n  capabilities:\n    add:\n    - CHOWN\n    - SYS_ADMIN # want")},
		Pass: []string{example("", "", "securityContext:\n  capabilities:\n    add: [NET_BIND_SERVICE]")},
	}
}

func dangerousCaps() Check {
	bad := []string{"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "BPF", "PERFMON", "DAC_READ_SEARCH", "SYS_BOOT", "NET_RAW"}
	return Check{
		Rule: rule("k8s-dangerous-capability", "Container adds a capability known to enable escape", finding.SeverityCritical,
			"SYS_ADMIN, SYS_MODULE, SYS_PTRACE, SYS_RAWIO, BPF, NET_ADMIN, NET_RAW, DAC_READ_SEARCH or ALL let a process break out of its container or attack the node's network.",
			"Remove the capability; if the workload truly needs it, isolate it on dedicated nodes.",
			"cis-k8s:5.2.8", "cis-k8s:5.2.9", "nsa-cisa:pod-security"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			p, s := sc(c)
			if s == nil || s.Capabilities == nil {
				return
			}
			for i, cp := range s.Capabilities.Add {
				if slices.Contains(bad, capName(cp)) {
					report(p.Field("capabilities", "add").Item(i, ""), fmt.Sprintf("container %q adds %s", c.Name, cp))
				}
			}
		}),
		Fail: []string{example("", "", "securityContext:\n  capabilities:\n    add: [\"CAP_SYS_PTRACE\"] # want")},
		Pass: []string{example("", "", "securityContext:\n  capabilities:\n    add: [CHOWN]")},
	}
}

func capsDropAll() Check {
	return Check{
		Rule: rule("k8s-capabilities-not-dropped", "Container does not drop all capabilities", finding.SeverityMedium,
			"The restricted profile requires dropping ALL capabilities so a compromised process holds none of the runtime's defaults (NET_RAW among them).",
			"Set securityContext.capabilities.drop: [ALL] and add back only NET_BIND_SERVICE if needed.",
			"pss:restricted:capabilities", "cis-k8s:5.2.10", "nsa-cisa:pod-security"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			p, s := sc(c)
			switch {
			case s == nil:
				report(c.Path, fmt.Sprintf("container %q has no securityContext, so it keeps the runtime's default capabilities", c.Name))
			case s.Capabilities == nil:
				report(p, fmt.Sprintf("container %q does not drop ALL capabilities", c.Name))
			case !slices.ContainsFunc(s.Capabilities.Drop, func(x string) bool { return capName(x) == "ALL" }):
				report(p.Field("capabilities", "drop"), fmt.Sprintf("container %q drops some capabilities but not ALL", c.Name))
			}
		}),
		Fail: []string{example("container", "", ""), example("", "", "securityContext:\n  capabilities:\n    drop: [NET_RAW] # want")},
		Pass: []string{example("", "", "securityContext:\n  capabilities:\n    drop: [\"ALL\"]")},
	}
}

func capsAddRestricted() Check {
	return Check{
		Rule: rule("k8s-capabilities-add-restricted", "Container adds a capability other than NET_BIND_SERVICE", finding.SeverityMedium,
			"The restricted profile allows adding back only NET_BIND_SERVICE after dropping ALL.",
			"Remove every capability from capabilities.add except NET_BIND_SERVICE.",
			"pss:restricted:capabilities"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			p, s := sc(c)
			if s == nil || s.Capabilities == nil {
				return
			}
			for i, cp := range s.Capabilities.Add {
				if capName(cp) != "NET_BIND_SERVICE" {
					report(p.Field("capabilities", "add").Item(i, ""), fmt.Sprintf("container %q adds %s", c.Name, cp))
				}
			}
		}),
		Fail: []string{example("", "", "securityContext:\n  capabilities:\n    add:\n    - CHOWN # want")},
		Pass: []string{example("", "", "securityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]")},
	}
}

func appArmor() Check {
	const prefix = "container.apparmor.security.beta.kubernetes.io/"
	return Check{
		Rule: rule("k8s-apparmor-unconfined", "AppArmor disabled", finding.SeverityHigh,
			"An unconfined AppArmor profile removes the mandatory access control that limits what a compromised container can touch.",
			"Use the RuntimeDefault profile or a Localhost profile.",
			"pss:baseline:apparmor", "nsa-cisa:pod-security"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			for k, v := range pod.Meta.Annotations {
				if strings.HasPrefix(k, prefix) && v == "unconfined" {
					report(pod.MetaPath.Field("annotations", k), fmt.Sprintf("container %q runs with AppArmor unconfined", strings.TrimPrefix(k, prefix)))
				}
			}
			if pp, s := podSC(pod); s != nil && s.AppArmorProfile != nil && s.AppArmorProfile.Type == "Unconfined" {
				report(pp.Field("appArmorProfile", "type"), "pod runs with AppArmor unconfined")
			}
			for _, c := range pod.Containers() {
				if p, s := sc(c); s != nil && s.AppArmorProfile != nil && s.AppArmorProfile.Type == "Unconfined" {
					report(p.Field("appArmorProfile", "type"), fmt.Sprintf("container %q runs with AppArmor unconfined", c.Name))
				}
			}
		}),
		Fail: []string{
			example("", "", "securityContext:\n  appArmorProfile:\n    type: Unconfined # want"),
			"apiVersion: v1\nkind: Pod\nmetadata:\n  name: ex\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/app: unconfined # want\nspec:\n  containers:\n  - name: app\n    image: app:1\n",
		},
		Pass: []string{example("", "", "securityContext:\n  appArmorProfile:\n    type: RuntimeDefault")},
	}
}

func seLinuxType() Check {
	allowed := []string{"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
	return Check{
		Rule: rule("k8s-selinux-options", "Custom SELinux user, role or type", finding.SeverityHigh,
			"Setting an SELinux user or role, or a type other than the container types, can lift the labels that confine a container.",
			"Remove seLinuxOptions.user and role, and use only container_t, container_init_t, container_kvm_t or container_engine_t as type.",
			"pss:baseline:selinux"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			checkSE := func(p Path, o *SELinuxOptions, who string) {
				if o == nil {
					return
				}
				if !slices.Contains(allowed, o.Type) {
					report(p.Field("type"), fmt.Sprintf("%s sets SELinux type %q", who, o.Type))
				}
				if o.User != "" {
					report(p.Field("user"), fmt.Sprintf("%s sets SELinux user %q", who, o.User))
				}
				if o.Role != "" {
					report(p.Field("role"), fmt.Sprintf("%s sets SELinux role %q", who, o.Role))
				}
			}
			if pp, s := podSC(pod); s != nil {
				checkSE(pp.Field("seLinuxOptions"), s.SELinuxOptions, "pod")
			}
			for _, c := range pod.Containers() {
				if p, s := sc(c); s != nil {
					checkSE(p.Field("seLinuxOptions"), s.SELinuxOptions, fmt.Sprintf("container %q", c.Name))
				}
			}
		}),
		Fail: []string{example("", "securityContext:\n  seLinuxOptions:\n    type: spc_t # want", "")},
		Pass: []string{example("", "securityContext:\n  seLinuxOptions:\n    type: container_t\n    level: s0:c1,c2", "")},
	}
}

func procMount() Check {
	return Check{
		Rule: rule("k8s-proc-mount", "Unmasked /proc mount", finding.SeverityHigh,
			"An Unmasked /proc exposes kernel interfaces the runtime normally hides from containers.",
			"Remove securityContext.procMount or set it to Default.",
			"pss:baseline:proc-mount-type"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			if p, s := sc(c); s != nil && s.ProcMount != "" && s.ProcMount != "Default" {
				report(p.Field("procMount"), fmt.Sprintf("container %q uses procMount %s", c.Name, s.ProcMount))
			}
		}),
		Fail: []string{example("", "", "securityContext:\n  procMount: Unmasked # want")},
		Pass: []string{example("", "", "securityContext:\n  procMount: Default")},
	}
}

func seccompUnconfined() Check {
	const ann = "seccomp.security.alpha.kubernetes.io/pod"
	return Check{
		Rule: rule("k8s-seccomp-unconfined", "Seccomp explicitly disabled", finding.SeverityHigh,
			"An Unconfined seccomp profile lets the container call every system call, including those used in kernel exploits.",
			"Set seccompProfile.type to RuntimeDefault or Localhost.",
			"pss:baseline:seccomp", "cis-k8s:5.7.2", "nsa-cisa:pod-security"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			if pod.Meta.Annotations[ann] == "unconfined" {
				report(pod.MetaPath.Field("annotations", ann), "pod runs with seccomp unconfined")
			}
			if pp, s := podSC(pod); s != nil && s.SeccompProfile != nil && s.SeccompProfile.Type == "Unconfined" {
				report(pp.Field("seccompProfile", "type"), "pod runs with seccomp unconfined")
			}
			for _, c := range pod.Containers() {
				if p, s := sc(c); s != nil && s.SeccompProfile != nil && s.SeccompProfile.Type == "Unconfined" {
					report(p.Field("seccompProfile", "type"), fmt.Sprintf("container %q runs with seccomp unconfined", c.Name))
				}
			}
		}),
		Fail: []string{example("", "securityContext:\n  seccompProfile:\n    type: Unconfined # want", "")},
		Pass: []string{example("", "securityContext:\n  seccompProfile:\n    type: RuntimeDefault", "")},
	}
}

func seccompRequired() Check {
	return Check{
		Rule: rule("k8s-seccomp-not-set", "Seccomp profile not set", finding.SeverityMedium,
			"The restricted profile requires a RuntimeDefault or Localhost seccomp profile; without one most runtimes run the container unconfined.",
			"Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod.",
			"pss:restricted:seccomp", "cis-k8s:5.7.2", "nsa-cisa:pod-security"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			ok := func(p *Profile) bool { return p != nil && (p.Type == "RuntimeDefault" || p.Type == "Localhost") }
			_, ps := podSC(pod)
			podOK := ps != nil && ok(ps.SeccompProfile)
			for _, c := range pod.Containers() {
				_, s := sc(c)
				if s != nil && s.SeccompProfile != nil {
					continue // an explicit container profile is judged here or by k8s-seccomp-unconfined
				}
				if !podOK {
					report(c.Path, fmt.Sprintf("container %q runs without a seccomp profile", c.Name))
				}
			}
		}),
		Fail: []string{example("container", "", "")},
		Pass: []string{
			example("", "securityContext:\n  seccompProfile:\n    type: RuntimeDefault", ""),
			example("", "", "securityContext:\n  seccompProfile:\n    type: Localhost\n    localhostProfile: profiles/app.json"),
		},
	}
}

// safeSysctls are the sysctls the baseline level allows.
func safeSysctls() []string {
	return []string{"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
		"net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
		"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"}
}

func unsafeSysctls() Check {
	return Check{
		Rule: rule("k8s-unsafe-sysctl", "Unsafe sysctl", finding.SeverityHigh,
			"Sysctls outside the safe, namespaced set change kernel behaviour for the whole node.",
			"Remove the sysctl or run the workload on dedicated, tainted nodes.",
			"pss:baseline:sysctls"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			pp, s := podSC(pod)
			if s == nil {
				return
			}
			safe := safeSysctls()
			for i, sy := range s.Sysctls {
				if !slices.Contains(safe, sy.Name) {
					report(pp.Field("sysctls").Item(i, sy.Name).Field("name"), fmt.Sprintf("pod sets unsafe sysctl %s", sy.Name))
				}
			}
		}),
		Fail: []string{example("", "securityContext:\n  sysctls:\n  - name: kernel.msgmax # want\n    value: \"65536\"", "")},
		Pass: []string{example("", "securityContext:\n  sysctls:\n  - name: net.ipv4.tcp_syncookies\n    value: \"1\"", "")},
	}
}

func allowPrivilegeEscalation() Check {
	return Check{
		Rule: rule("k8s-allow-privilege-escalation", "Privilege escalation allowed", finding.SeverityMedium,
			"Unless allowPrivilegeEscalation is false, a process can gain privileges through setuid binaries or file capabilities.",
			"Set securityContext.allowPrivilegeEscalation: false on every container.",
			"pss:restricted:privilege-escalation", "cis-k8s:5.2.6", "nsa-cisa:pod-security"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			p, s := sc(c)
			switch {
			case s == nil:
				report(c.Path, fmt.Sprintf("container %q does not set allowPrivilegeEscalation: false", c.Name))
			case s.AllowPrivilegeEscalation == nil:
				report(p, fmt.Sprintf("container %q does not set allowPrivilegeEscalation: false", c.Name))
			case *s.AllowPrivilegeEscalation:
				report(p.Field("allowPrivilegeEscalation"), fmt.Sprintf("container %q allows privilege escalation", c.Name))
			}
		}),
		Fail: []string{example("container", "", ""), example("", "", "securityContext:\n  allowPrivilegeEscalation: true # want")},
		Pass: []string{example("", "", "securityContext:\n  allowPrivilegeEscalation: false")},
	}
}

func runAsNonRoot() Check {
	return Check{
		Rule: rule("k8s-run-as-non-root", "Container may run as root", finding.SeverityMedium,
			"Without runAsNonRoot: true the kubelet starts the container as whatever user its image names, root included.",
			"Set securityContext.runAsNonRoot: true on the pod (and a non-zero runAsUser if the image has no numeric USER).",
			"pss:restricted:running-as-non-root", "cis-k8s:5.2.7", "nsa-cisa:non-root-containers"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			pp, ps := podSC(pod)
			podSet := ps != nil && ps.RunAsNonRoot != nil
			if podSet && !*ps.RunAsNonRoot {
				report(pp.Field("runAsNonRoot"), "pod sets runAsNonRoot: false")
			}
			for _, c := range pod.Containers() {
				p, s := sc(c)
				switch {
				case s != nil && s.RunAsNonRoot != nil:
					if !*s.RunAsNonRoot {
						report(p.Field("runAsNonRoot"), fmt.Sprintf("container %q sets runAsNonRoot: false", c.Name))
					}
				case s != nil && s.RunAsUser != nil && *s.RunAsUser > 0, ps != nil && ps.RunAsUser != nil && *ps.RunAsUser > 0:
					// A non-zero numeric user is non-root as well.
				case !podSet:
					report(c.Path, fmt.Sprintf("container %q does not require a non-root user", c.Name))
				}
			}
		}),
		Fail: []string{example("container", "", ""), example("", "securityContext:\n  runAsNonRoot: false # want", "securityContext:\n  runAsNonRoot: false # want")},
		Pass: []string{example("", "securityContext:\n  runAsNonRoot: true", ""), example("", "", "securityContext:\n  runAsUser: 10001")},
	}
}

func runAsRootUser() Check {
	return Check{
		Rule: rule("k8s-run-as-root-user", "Container runs as UID 0", finding.SeverityHigh,
			"runAsUser: 0 runs the process as root, so any escape from the container lands as root on the node.",
			"Set runAsUser to a non-zero UID (10000 or above avoids clashing with node users).",
			"pss:restricted:running-as-non-root-user", "cis-k8s:5.2.7", "nsa-cisa:non-root-containers"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			if pp, s := podSC(pod); s != nil && s.RunAsUser != nil && *s.RunAsUser == 0 {
				report(pp.Field("runAsUser"), "pod sets runAsUser: 0")
			}
			for _, c := range pod.Containers() {
				if p, s := sc(c); s != nil && s.RunAsUser != nil && *s.RunAsUser == 0 {
					report(p.Field("runAsUser"), fmt.Sprintf("container %q sets runAsUser: 0", c.Name))
				}
			}
		}),
		Fail: []string{example("", "", "securityContext:\n  runAsUser: 0 # want")},
		Pass: []string{example("", "", "securityContext:\n  runAsUser: 10001")},
	}
}

// restrictedVolumeTypes are the volume sources the restricted level allows.
func restrictedVolumeTypes() []string {
	return []string{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
}

func volumeTypes() Check {
	return Check{
		Rule: rule("k8s-restricted-volume-type", "Volume type not allowed by the restricted profile", finding.SeverityMedium,
			"Volume types other than configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret reach node or network storage directly, outside the cluster's access controls.",
			"Use a PersistentVolumeClaim backed by a StorageClass instead of an inline volume source.",
			"pss:restricted:volume-types"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			ok := restrictedVolumeTypes()
			for i, v := range pod.Spec.Volumes {
				for _, t := range v.Types {
					if !slices.Contains(ok, t) {
						report(pod.SpecPath.Field("volumes").Item(i, v.Name).Field(t), fmt.Sprintf("volume %q is of type %s", v.Name, t))
					}
				}
			}
		}),
		Fail: []string{example("", "volumes:\n- name: share\n  nfs: # want\n    server: nfs.example\n    path: /export", "")},
		Pass: []string{example("", "volumes:\n- name: cache\n  emptyDir: {}\n- name: conf\n  configMap:\n    name: app", "")},
	}
}
