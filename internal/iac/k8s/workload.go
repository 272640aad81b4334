package k8s

import (
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
)

// Workload hygiene beyond the Pod Security Standards: resources, images, probes, credentials.

func resourceCheck(id, kind, res string, sev finding.Severity) Check {
	field := kind + "." + res // "requests.cpu"
	why := map[string]string{
		"requests": "Without requests the scheduler cannot place the pod fairly and it is evicted first under pressure.",
		"limits":   "Without limits one compromised or runaway container can starve every other workload on its node.",
	}[kind]
	return Check{
		Rule: rule(id, fmt.Sprintf("Container has no %s %s", res, strings.TrimSuffix(kind, "s")), sev, why,
			fmt.Sprintf("Set resources.%s for every container.", field),
			"cis-k8s:5.7.3", "nsa-cisa:resource-policies"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			if c.Ephemeral {
				return
			}
			m := c.Resources.Requests
			if kind == "limits" {
				m = c.Resources.Limits
			}
			if _, ok := m[res]; ok {
				return
			}
			// A limit also sets the request when the request is absent.
			if kind == "requests" {
				if _, ok := c.Resources.Limits[res]; ok {
					return
				}
			}
			report(c.Path.Field("resources", kind), fmt.Sprintf("container %q sets no %s", c.Name, field))
		}),
		Fail: []string{example("container", "", ""), example("", "", "resources:\n  "+kind+": # want\n    "+otherRes(res)+": \"1\"")},
		Pass: []string{example("", "", "resources:\n  "+kind+":\n    "+res+": \"1\"")},
	}
}

func otherRes(r string) string {
	if r == "cpu" {
		return "memory"
	}
	return "cpu"
}

// splitImage returns an image reference's tag and digest ("" when absent).
func splitImage(image string) (tag, digest string) {
	if i := strings.Index(image, "@"); i >= 0 {
		image, digest = image[:i], image[i+1:]
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		tag = image[i+1:]
	}
	return tag, digest
}

func imageLatest() Check {
	return Check{
		Rule: rule("k8s-image-latest-tag", "Image without a tag or tagged latest", finding.SeverityMedium,
			"An image without a tag, or tagged latest, changes under the workload: what runs is not what was reviewed and scanned, and rollbacks do not roll back.",
			"Pin the image to a version tag, better to a digest (image:1.2.3@sha256:…).",
			"nsa-cisa:image-scanning", "supply-chain:pinning"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			tag, digest := splitImage(c.Image)
			if digest == "" && (tag == "" || tag == "latest") && c.Image != "" && !strings.ContainsAny(c.Image, "{$") {
				report(c.Path.Field("image"), fmt.Sprintf("container %q uses image %q without a pinned version", c.Name, c.Image))
			}
		}),
		Fail: []string{
			"apiVersion: v1\nkind: Pod\nmetadata: {name: ex}\nspec:\n  containers:\n  - name: app\n    image: nginx:latest # want\n",
			"apiVersion: v1\nkind: Pod\nmetadata: {name: ex}\nspec:\n  containers:\n  - name: app\n    image: registry.example:5000/team/app # want\n",
		},
		Pass: []string{
			"apiVersion: v1\nkind: Pod\nmetadata: {name: ex}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27.2\n",
			"apiVersion: v1\nkind: Pod\nmetadata: {name: ex}\nspec:\n  containers:\n  - name: app\n    image: nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31\n",
		},
	}
}

func imageDigest() Check {
	return Check{
		Rule: rule("k8s-image-no-digest", "Image not pinned by digest", finding.SeverityLow,
			"A tag can be moved to different content; only a digest guarantees the image that was signed and scanned is the one that runs.",
			"Reference the image by digest (image:tag@sha256:…), for example with a resolver in the release pipeline.",
			"supply-chain:pinning"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			if _, digest := splitImage(c.Image); digest == "" && c.Image != "" {
				report(c.Path.Field("image"), fmt.Sprintf("container %q image %q has no digest", c.Name, c.Image))
			}
		}),
		Fail: []string{"apiVersion: v1\nkind: Pod\nmetadata: {name: ex}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27.2 # want\n"},
		Pass: []string{"apiVersion: v1\nkind: Pod\nmetadata: {name: ex}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27.2@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31\n"},
	}
}

func imagePullPolicy() Check {
	return Check{
		Rule: rule("k8s-image-pull-policy", "Mutable image tag not always pulled", finding.SeverityLow,
			"With a latest or missing tag and imagePullPolicy IfNotPresent or Never, nodes run whichever stale copy they cached.",
			"Pin the image; if a moving tag is unavoidable, set imagePullPolicy: Always.",
			"supply-chain:pinning"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			tag, digest := splitImage(c.Image)
			if digest == "" && (tag == "" || tag == "latest") && (c.ImagePullPolicy == "IfNotPresent" || c.ImagePullPolicy == "Never") {
				report(c.Path.Field("imagePullPolicy"), fmt.Sprintf("container %q pulls its mutable image %s", c.Name, c.ImagePullPolicy))
			}
		}),
		Fail: []string{"apiVersion: v1\nkind: Pod\nmetadata: {name: ex}\nspec:\n  containers:\n  - name: app\n    image: nginx\n    imagePullPolicy: IfNotPresent # want\n"},
		Pass: []string{"apiVersion: v1\nkind: Pod\nmetadata: {name: ex}\nspec:\n  containers:\n  - name: app\n    image: nginx\n    imagePullPolicy: Always\n"},
	}
}

func readOnlyRootFS() Check {
	return Check{
		Rule: rule("k8s-readonly-root-filesystem", "Root file system is writable", finding.SeverityMedium,
			"A writable root file system lets an attacker drop tools and persist changes inside the container.",
			"Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the application writes.",
			"nsa-cisa:immutable-filesystem", "cis-k8s:5.7.3"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			if c.Ephemeral {
				return
			}
			p, s := sc(c)
			switch {
			case s == nil:
				report(c.Path, fmt.Sprintf("container %q does not set readOnlyRootFilesystem: true", c.Name))
			case s.ReadOnlyRootFilesystem == nil:
				report(p, fmt.Sprintf("container %q does not set readOnlyRootFilesystem: true", c.Name))
			case !*s.ReadOnlyRootFilesystem:
				report(p.Field("readOnlyRootFilesystem"), fmt.Sprintf("container %q has a writable root file system", c.Name))
			}
		}),
		Fail: []string{example("container", "", ""), example("", "", "securityContext:\n  readOnlyRootFilesystem: false # want")},
		Pass: []string{example("", "", "securityContext:\n  readOnlyRootFilesystem: true")},
	}
}

func probeCheck(id, field, title, why string) Check {
	return Check{
		Rule: rule(id, title, finding.SeverityLow, why, fmt.Sprintf("Declare a %s for every long-running container.", field), "availability"),
		Run: onPod(func(r *Resource, pod Pod, report Report) {
			if r.Kind == "Job" || r.Kind == "CronJob" {
				return // run-to-completion pods are not served traffic
			}
			for _, c := range pod.Containers() {
				if c.Init || c.Ephemeral {
					continue
				}
				if (field == "livenessProbe" && c.LivenessProbe == nil) || (field == "readinessProbe" && c.ReadinessProbe == nil) {
					report(c.Path, fmt.Sprintf("container %q declares no %s", c.Name, field))
				}
			}
		}),
		Fail: []string{example("container", "", "")},
		Pass: []string{example("", "", field+":\n  httpGet:\n    path: /healthz\n    port: 8080")},
	}
}

func automountToken() Check {
	return Check{
		Rule: rule("k8s-automount-service-account-token", "Service account token mounted automatically", finding.SeverityMedium,
			"Every pod gets an API token unless told otherwise; most workloads never call the API, and a stolen token is a foothold in the cluster.",
			"Set automountServiceAccountToken: false on the pod (or its ServiceAccount) unless it calls the Kubernetes API.",
			"cis-k8s:5.1.6", "nsa-cisa:service-account-tokens"),
		// Across files: a pod that says nothing inherits its ServiceAccount's setting, and the
		// ServiceAccount may be declared in another file.
		Across: true,
		Run: func(rs []*Resource, report TreeReport) {
			optOut := map[string]bool{} // namespace/name of ServiceAccounts with automount off
			for _, r := range rs {
				if r.Kind == "ServiceAccount" && isFalse(r.AutomountServiceAccountToken) {
					optOut[r.Namespace()+"/"+r.Metadata.Name] = true
				}
			}
			for _, r := range rs {
				pod, ok := r.Pod()
				if !ok {
					continue
				}
				sa := pod.Spec.ServiceAccountName
				if sa == "" {
					sa = "default"
				}
				switch v := pod.Spec.AutomountServiceAccountToken; {
				case v == nil && !optOut[r.Namespace()+"/"+sa]:
					report(r, pod.SpecPath, fmt.Sprintf("pod does not set automountServiceAccountToken: false, nor does its service account %q", sa))
				case v != nil && *v:
					report(r, pod.SpecPath.Field("automountServiceAccountToken"), "pod mounts its service account token")
				}
			}
		},
		Fail: []string{example("spec", "", ""), example("", "automountServiceAccountToken: true # want", "")},
		Pass: []string{
			example("", "automountServiceAccountToken: false", ""),
			example("", "serviceAccountName: web", "") + "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\nautomountServiceAccountToken: false\n",
		},
	}
}

// secretName matches variable and key names that usually hold credentials.

func secretEnvLiteral() Check {
	return Check{
		Rule: func() finding.Rule {
			r := rule("k8s-secret-env-literal", "Credential as a literal environment value", finding.SeverityHigh,
				"A credential written into the manifest is in version control and visible to everyone who can read the workload.",
				"Store the value in a Secret (or an external secret store) and reference it with valueFrom.secretKeyRef.",
				"cis-k8s:5.4.1", "nsa-cisa:secrets")
			r.CWE = []string{"CWE-798"}
			return r
		}(),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			for i, e := range c.Env {
				if e.Value != "" && e.ValueFrom == nil && check.SecretName(e.Name) && !placeholder(e.Value) {
					report(c.Path.Field("env").Item(i, e.Name).Field("value"), fmt.Sprintf("container %q sets %s to a literal value (%s)", c.Name, e.Name, finding.Redact(e.Value)))
				}
			}
		}),
		Fail: []string{example("", "", "env:\n- name: DB_PASSWORD\n  value: hunter2-but-longer # want")},
		Pass: []string{example("", "", "env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db\n      key: password\n- name: TOKEN_TTL\n  value: \"3600\"\n- name: SECRET_STORE_URL\n  value: https://vault.example:8200\n- name: OAUTH_ISSUER\n  value: shop-issuer")},
	}
}

// placeholder reports values that are clearly not credentials: empty-ish, booleans, references.
// Numbers (a TOKEN_TTL of 3600) and URLs without credentials (an AUTH_URL) are settings too.
func placeholder(v string) bool {
	l := strings.ToLower(v)
	return len(v) < 4 || l == "true" || l == "false" || strings.HasPrefix(v, "$(") || strings.HasPrefix(v, "${") ||
		strings.HasPrefix(v, "/") || strings.Trim(v, "0123456789.") == "" ||
		((strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")) && !strings.Contains(v, "@"))
}

func secretEnvRef() Check {
	return Check{
		Rule: rule("k8s-secret-in-env", "Secret passed through environment variables", finding.SeverityLow,
			"Environment variables leak into logs, crash reports and child processes; mounted Secret files do not.",
			"Mount the Secret as a volume and read the file instead of valueFrom.secretKeyRef or envFrom.secretRef.",
			"cis-k8s:5.4.1"),
		Run: onContainer(func(_ Pod, c ContainerRef, report Report) {
			for i, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					report(c.Path.Field("env").Item(i, e.Name).Field("valueFrom"), fmt.Sprintf("container %q reads Secret %q into %s", c.Name, e.ValueFrom.SecretKeyRef.Name, e.Name))
				}
			}
			for i, e := range c.EnvFrom {
				if e.SecretRef != nil {
					report(c.Path.Field("envFrom").Item(i, "").Field("secretRef"), fmt.Sprintf("container %q imports Secret %q as environment", c.Name, e.SecretRef.Name))
				}
			}
		}),
		Fail: []string{example("", "", "envFrom:\n- secretRef: # want\n    name: db")},
		Pass: []string{example("", "", "envFrom:\n- configMapRef:\n    name: settings")},
	}
}

// sensitiveHostPaths are node paths whose mount hands over the node.
func sensitiveHostPaths() []string {
	return []string{"/", "/etc", "/root", "/home", "/var", "/var/lib", "/var/lib/kubelet", "/var/lib/docker", "/var/lib/containerd",
		"/var/log", "/proc", "/sys", "/dev", "/boot", "/lib/modules", "/usr", "/bin", "/sbin", "/etc/kubernetes", "/var/lib/etcd"}
}

func sensitiveHostPath() Check {
	return Check{
		Rule: rule("k8s-sensitive-hostpath", "hostPath mounts a sensitive node directory", finding.SeverityCritical,
			"Mounting /, /etc, /proc, /var/lib/kubelet and similar node directories exposes credentials and control of the node.",
			"Do not mount node system directories; use a DaemonSet with a narrowly scoped, read-only path if a node agent truly needs one.",
			"cis-k8s:5.2.12", "nsa-cisa:pod-security"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			bad := sensitiveHostPaths()
			for i, v := range pod.Spec.Volumes {
				if v.HostPath == nil {
					continue
				}
				clean := strings.TrimRight(v.HostPath.Path, "/")
				if clean == "" {
					clean = "/"
				}
				for _, b := range bad {
					if clean == b {
						report(pod.SpecPath.Field("volumes").Item(i, v.Name).Field("hostPath", "path"), fmt.Sprintf("volume %q mounts node directory %s", v.Name, v.HostPath.Path))
						break
					}
				}
			}
		}),
		Fail: []string{example("", "volumes:\n- name: etc\n  hostPath:\n    path: /etc/ # want", "")},
		Pass: []string{example("", "volumes:\n- name: data\n  hostPath:\n    path: /srv/app-data", "")},
	}
}

func runtimeSocket() Check {
	return Check{
		Rule: rule("k8s-container-runtime-socket", "Container runtime socket mounted", finding.SeverityCritical,
			"The Docker, containerd or CRI-O socket lets the pod start privileged containers on the node: full node compromise.",
			"Do not mount the runtime socket; use a rootless builder (BuildKit rootless, kaniko) for builds.",
			"cis-k8s:5.2.12", "nsa-cisa:pod-security"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			for i, v := range pod.Spec.Volumes {
				if v.HostPath == nil {
					continue
				}
				p := v.HostPath.Path
				if strings.HasSuffix(p, "docker.sock") || strings.HasSuffix(p, "containerd.sock") || strings.HasSuffix(p, "crio.sock") || strings.HasSuffix(p, "podman.sock") {
					report(pod.SpecPath.Field("volumes").Item(i, v.Name).Field("hostPath", "path"), fmt.Sprintf("volume %q mounts the container runtime socket %s", v.Name, p))
				}
			}
		}),
		Fail: []string{example("", "volumes:\n- name: docker\n  hostPath:\n    path: /var/run/docker.sock # want", "")},
		Pass: []string{example("", "volumes:\n- name: run\n  emptyDir: {}", "")},
	}
}

func defaultNamespace() Check {
	return Check{
		Rule: rule("k8s-default-namespace", "Object in the default namespace", finding.SeverityLow,
			"The default namespace has no boundaries of its own: policies, quotas and RBAC are written per namespace.",
			"Put every workload in a namespace of its own.",
			"cis-k8s:5.7.4"),
		Run: each(func(r *Resource, report Report) {
			if r.Metadata.Namespace == "default" && (IsWorkload(r.Kind) || r.Kind == "Service" || r.Kind == "Secret" || r.Kind == "ConfigMap") {
				report(Path{}.Field("metadata", "namespace"), fmt.Sprintf("%s is placed in the default namespace", r.ID()))
			}
		}),
		Fail: []string{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ex\n  namespace: default # want\n"},
		Pass: []string{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ex\n  namespace: shop\n"},
	}
}

func defaultServiceAccount() Check {
	return Check{
		Rule: rule("k8s-default-service-account", "Workload uses the default service account", finding.SeverityLow,
			"Permissions granted to the default service account reach every pod of the namespace; give each workload its own identity.",
			"Create a ServiceAccount per workload and set spec.serviceAccountName.",
			"cis-k8s:5.1.5", "nsa-cisa:service-account-tokens"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			switch pod.Spec.ServiceAccountName {
			case "":
				report(pod.SpecPath, "pod runs as the namespace's default service account")
			case "default":
				report(pod.SpecPath.Field("serviceAccountName"), "pod runs as the namespace's default service account")
			}
		}),
		Fail: []string{example("spec", "", ""), example("", "serviceAccountName: default # want", "")},
		Pass: []string{example("", "serviceAccountName: checkout", "")},
	}
}

func shareProcessNamespace() Check {
	return Check{
		Rule: rule("k8s-share-process-namespace", "Containers share a process namespace", finding.SeverityLow,
			"With a shared process namespace every container can see and signal the others' processes and read their /proc, environment included.",
			"Remove shareProcessNamespace unless a sidecar truly needs it.",
			"nsa-cisa:pod-security"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			if pod.Spec.ShareProcessNamespace {
				report(pod.SpecPath.Field("shareProcessNamespace"), "pod shares one process namespace between its containers")
			}
		}),
		Fail: []string{example("", "shareProcessNamespace: true # want", "")},
		Pass: []string{example("", "", "")},
	}
}

func rootGroup() Check {
	return Check{
		Rule: rule("k8s-run-as-root-group", "Container runs with GID 0", finding.SeverityLow,
			"Group 0 owns many files writable by root's group on the node and in images.",
			"Set runAsGroup and fsGroup to a non-zero GID.",
			"nsa-cisa:non-root-containers"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			if pp, s := podSC(pod); s != nil {
				if s.RunAsGroup != nil && *s.RunAsGroup == 0 {
					report(pp.Field("runAsGroup"), "pod sets runAsGroup: 0")
				}
				if s.FSGroup != nil && *s.FSGroup == 0 {
					report(pp.Field("fsGroup"), "pod sets fsGroup: 0")
				}
			}
			for _, c := range pod.Containers() {
				if p, s := sc(c); s != nil && s.RunAsGroup != nil && *s.RunAsGroup == 0 {
					report(p.Field("runAsGroup"), fmt.Sprintf("container %q sets runAsGroup: 0", c.Name))
				}
			}
		}),
		Fail: []string{example("", "securityContext:\n  fsGroup: 0 # want", "")},
		Pass: []string{example("", "securityContext:\n  fsGroup: 10001\n  runAsGroup: 10001", "")},
	}
}

func lowUID() Check {
	return Check{
		Rule: rule("k8s-low-uid", "Container runs with a UID below 10000", finding.SeverityLow,
			"Low UIDs collide with users on the node; should the container escape, it acts as that node user.",
			"Run as a UID of 10000 or above.",
			"nsa-cisa:non-root-containers"),
		Run: onPod(func(_ *Resource, pod Pod, report Report) {
			if pp, s := podSC(pod); s != nil && s.RunAsUser != nil && *s.RunAsUser > 0 && *s.RunAsUser < 10000 {
				report(pp.Field("runAsUser"), fmt.Sprintf("pod runs as UID %d", *s.RunAsUser))
			}
			for _, c := range pod.Containers() {
				if p, s := sc(c); s != nil && s.RunAsUser != nil && *s.RunAsUser > 0 && *s.RunAsUser < 10000 {
					report(p.Field("runAsUser"), fmt.Sprintf("container %q runs as UID %d", c.Name, *s.RunAsUser))
				}
			}
		}),
		Fail: []string{example("", "", "securityContext:\n  runAsUser: 1000 # want")},
		Pass: []string{example("", "", "securityContext:\n  runAsUser: 10001")},
	}
}
