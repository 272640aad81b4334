package k8s

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
)

// Checks of Secrets, ConfigMaps, ServiceAccounts and Namespaces.

func secretInManifest() Check {
	return Check{
		Rule: func() finding.Rule {
			r := rule("k8s-secret-in-manifest", "Secret values committed in a manifest", finding.SeverityHigh,
				"A Secret's data in a manifest is only base64-encoded: anyone who reads the repository reads the credential.",
				"Keep Secret values out of version control: use Sealed Secrets, SOPS, or an external secret operator.",
				"nsa-cisa:secrets")
			r.CWE = []string{"CWE-312"}
			return r
		}(),
		Run: onKind([]string{"Secret"}, func(r *Resource, report Report) {
			if r.Type == "kubernetes.io/service-account-token" {
				return // filled in by the control plane; the manifest holds no value
			}
			for _, field := range []string{"data", "stringData"} {
				m := r.Data
				if field == "stringData" {
					m = r.StringData
				}
				keys := make([]string, 0, len(m))
				for k, v := range m {
					if strings.TrimSpace(v) != "" && !strings.Contains(v, "{{") {
						keys = append(keys, k)
					}
				}
				slices.Sort(keys)
				for _, k := range keys {
					report(Path{}.Field(field, k), fmt.Sprintf("%s holds a value for key %q in the manifest", r.ID(), k))
				}
			}
		}),
		Fail: []string{"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: correct-horse-battery # want\n"},
		Pass: []string{"apiVersion: v1\nkind: Secret\nmetadata:\n  name: sa-token\n  annotations:\n    kubernetes.io/service-account.name: ci\ntype: kubernetes.io/service-account-token\n"},
	}
}

func configMapSecret() Check {
	return Check{
		Rule: func() finding.Rule {
			r := rule("k8s-configmap-credential", "Credential stored in a ConfigMap", finding.SeverityHigh,
				"ConfigMaps are readable by anyone with view rights and are not encrypted at rest; credentials belong in Secrets.",
				"Move the value into a Secret and reference it from the workload.",
				"nsa-cisa:secrets")
			r.CWE = []string{"CWE-312"}
			return r
		}(),
		Run: onKind([]string{"ConfigMap"}, func(r *Resource, report Report) {
			keys := make([]string, 0, len(r.Data))
			for k, v := range r.Data {
				if check.SecretName(k) && !placeholder(v) && !strings.Contains(v, "\n") {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			for _, k := range keys {
				report(Path{}.Field("data", k), fmt.Sprintf("%s key %q looks like a credential (%s)", r.ID(), k, finding.Redact(r.Data[k])))
			}
		}),
		Fail: []string{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  LOG_LEVEL: info\n  API_KEY: 8f2b1c9d0e7a6b5c4d3e2f1a # want\n"},
		Pass: []string{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  LOG_LEVEL: info\n  TOKEN_FILE: /var/run/secrets/token\n"},
	}
}

func serviceAccountAutomount() Check {
	return Check{
		Rule: rule("k8s-service-account-automount", "ServiceAccount mounts its token into every pod", finding.SeverityLow,
			"Unless the ServiceAccount opts out, every pod using it receives an API token, whether it needs one or not.",
			"Set automountServiceAccountToken: false on the ServiceAccount and opt in per pod where the API is used.",
			"cis-k8s:5.1.6", "nsa-cisa:service-account-tokens"),
		Run: onKind([]string{"ServiceAccount"}, func(r *Resource, report Report) {
			switch v := r.AutomountServiceAccountToken; {
			case v == nil:
				report(Path{}.Field("metadata"), fmt.Sprintf("%s does not set automountServiceAccountToken: false", r.ID()))
			case *v:
				report(Path{}.Field("automountServiceAccountToken"), fmt.Sprintf("%s mounts its token automatically", r.ID()))
			}
		}),
		Fail: []string{"apiVersion: v1\nkind: ServiceAccount\nmetadata: # want\n  name: web\n"},
		Pass: []string{"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\nautomountServiceAccountToken: false\n"},
	}
}

const pssEnforce = "pod-security.kubernetes.io/enforce"

func namespacePSS() Check {
	return Check{
		Rule: rule("k8s-namespace-no-pod-security", "Namespace does not enforce a Pod Security level", finding.SeverityMedium,
			"Without the pod-security.kubernetes.io/enforce label the API server admits privileged pods into the namespace unless another admission controller stops them.",
			"Label the namespace pod-security.kubernetes.io/enforce: restricted (or baseline).",
			"pss:admission", "nsa-cisa:pod-security"),
		Run: onKind([]string{"Namespace"}, func(r *Resource, report Report) {
			switch v, ok := r.Metadata.Labels[pssEnforce]; {
			case !ok:
				report(Path{}.Field("metadata", "name"), fmt.Sprintf("namespace %q has no %s label", r.Metadata.Name, pssEnforce))
			case v == "privileged":
				report(Path{}.Field("metadata", "labels", pssEnforce), fmt.Sprintf("namespace %q enforces the privileged level, which allows everything", r.Metadata.Name))
			}
		}),
		Fail: []string{
			"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop # want\n",
			"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: privileged # want\n",
		},
		Pass: []string{"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n"},
	}
}

func legacyTokenSecret() Check {
	return Check{
		Rule: rule("k8s-legacy-service-account-token", "Long-lived service account token Secret", finding.SeverityMedium,
			"A Secret of type kubernetes.io/service-account-token holds a token that never expires and survives the pod; stolen, it works until the Secret is deleted.",
			"Use projected, time-bound tokens (the default since Kubernetes 1.24) or the TokenRequest API instead.",
			"cis-k8s:5.1.6", "nsa-cisa:service-account-tokens"),
		Run: onKind([]string{"Secret"}, func(r *Resource, report Report) {
			if r.Type == "kubernetes.io/service-account-token" {
				report(Path{}.Field("type"), fmt.Sprintf("%s is a long-lived token for service account %q", r.ID(), r.Metadata.Annotations["kubernetes.io/service-account.name"]))
			}
		}),
		Fail: []string{"apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci-token\n  annotations:\n    kubernetes.io/service-account.name: ci\ntype: kubernetes.io/service-account-token # want\n"},
		Pass: []string{"apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ntype: kubernetes.io/tls\n"},
	}
}
