package k8s

import "github.com/palisade-sec/palisade/internal/finding"

// Builtin is the one list of built-in Kubernetes checks, in report order. Duplicate IDs are caught
// by a test.
func Builtin() []Check {
	checks := []Check{
		// Pod Security Standards, baseline.
		privilegedContainer(),
		hostNamespaceCheck("k8s-host-network", "hostNetwork", "Pod uses the host network", "network", "5.2.5"),
		hostNamespaceCheck("k8s-host-pid", "hostPID", "Pod shares the host PID namespace", "PID", "5.2.3"),
		hostNamespaceCheck("k8s-host-ipc", "hostIPC", "Pod shares the host IPC namespace", "IPC", "5.2.4"),
		hostProcess(),
		hostPathVolume(),
		hostPort(),
		capsAddedBaseline(),
		appArmor(),
		seLinuxType(),
		procMount(),
		seccompUnconfined(),
		unsafeSysctls(),
		// Pod Security Standards, restricted.
		volumeTypes(),
		allowPrivilegeEscalation(),
		runAsNonRoot(),
		runAsRootUser(),
		seccompRequired(),
		capsDropAll(),
		capsAddRestricted(),
		// Beyond the standards.
		dangerousCaps(),
		sensitiveHostPath(),
		runtimeSocket(),
		readOnlyRootFS(),
		resourceCheck("k8s-cpu-requests", "requests", "cpu", finding.SeverityLow),
		resourceCheck("k8s-memory-requests", "requests", "memory", finding.SeverityLow),
		resourceCheck("k8s-cpu-limits", "limits", "cpu", finding.SeverityLow),
		resourceCheck("k8s-memory-limits", "limits", "memory", finding.SeverityMedium),
		imageLatest(),
		imageDigest(),
		imagePullPolicy(),
		probeCheck("k8s-liveness-probe", "livenessProbe", "Container has no liveness probe",
			"Without a liveness probe a hung process keeps its pod and its traffic until someone notices."),
		probeCheck("k8s-readiness-probe", "readinessProbe", "Container has no readiness probe",
			"Without a readiness probe a pod receives traffic before it can serve it, and keeps receiving it when it cannot."),
		automountToken(),
		secretEnvLiteral(),
		secretEnvRef(),
		defaultNamespace(),
		defaultServiceAccount(),
		shareProcessNamespace(),
		rootGroup(),
		lowUID(),
		// Exposure and segmentation.
		serviceType("k8s-service-loadbalancer", "LoadBalancer", finding.SeverityMedium,
			"A LoadBalancer Service publishes the workload on an external address, usually reachable from the internet."),
		serviceType("k8s-service-nodeport", "NodePort", finding.SeverityMedium,
			"A NodePort Service opens the port on every node's address, bypassing ingress controls."),
		externalIPs(),
		ingressTLS(),
		ingressSnippet(),
		netpolAllowAll(),
		netpolUnselected(),
		defaultDenyCheck("k8s-netpol-no-default-deny", "Ingress", finding.SeverityMedium),
		defaultDenyCheck("k8s-netpol-no-default-deny-egress", "Egress", finding.SeverityLow),
		// Configuration objects.
		secretInManifest(),
		legacyTokenSecret(),
		configMapSecret(),
		serviceAccountAutomount(),
		namespacePSS(),
	}
	return append(checks, rbacChecks()...)
}
