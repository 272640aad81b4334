package k8s

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// RBAC checks read Roles, ClusterRoles and their bindings.

func roleKinds() []string { return []string{"Role", "ClusterRole"} }

func bindingKinds() []string { return []string{"RoleBinding", "ClusterRoleBinding"} }

// grants reports whether rule r allows one of verbs on one of resources (in the core or any
// group), counting wildcards.
func grants(r PolicyRule, verbs, resources []string) bool {
	verbOK := slices.Contains(r.Verbs, "*") || slices.ContainsFunc(verbs, func(v string) bool { return slices.Contains(r.Verbs, v) })
	resOK := slices.Contains(r.Resources, "*") || slices.ContainsFunc(resources, func(x string) bool { return slices.Contains(r.Resources, x) })
	return verbOK && resOK
}

func roleRuleCheck(id, title string, sev finding.Severity, desc, fix string, tags []string,
	match func(r PolicyRule) (field, msg string), fail, pass string) Check {
	return Check{
		Rule: rule(id, title, sev, desc, fix, tags...),
		Run: onKind(roleKinds(), func(r *Resource, report Report) {
			for i, pr := range r.Rules {
				if field, msg := match(pr); msg != "" {
					report(Path{}.Field("rules").Item(i, "").Field(field), fmt.Sprintf("%s %s", r.ID(), msg))
				}
			}
		}),
		Fail: []string{roleExample(fail)},
		Pass: []string{roleExample(pass)},
	}
}

// roleExample wraps rules (indented as list items under rules:) in a ClusterRole.
func roleExample(rules string) string {
	return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ex\nrules:\n" + rules
}

func rbacChecks() []Check {
	return []Check{
		roleRuleCheck("k8s-rbac-wildcard-verbs", "RBAC rule grants every verb", finding.SeverityHigh,
			"A '*' verb grants every current and future verb, escalate and impersonate included.",
			"List the verbs the subject needs.", []string{"cis-k8s:5.1.3", "nsa-cisa:rbac"},
			func(r PolicyRule) (string, string) {
				if slices.Contains(r.Verbs, "*") {
					return "verbs", "grants every verb ('*')"
				}
				return "", ""
			},
			"- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [\"*\"] # want\n",
			"- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get, list]\n"),
		roleRuleCheck("k8s-rbac-wildcard-resources", "RBAC rule grants every resource", finding.SeverityHigh,
			"A '*' resource grants access to every current and future resource, Secrets included.",
			"List the resources the subject needs.", []string{"cis-k8s:5.1.3", "nsa-cisa:rbac"},
			func(r PolicyRule) (string, string) {
				if slices.Contains(r.Resources, "*") {
					return "resources", "grants access to every resource ('*')"
				}
				return "", ""
			},
			"- apiGroups: [apps]\n  resources: [\"*\"] # want\n  verbs: [get]\n",
			"- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get]\n"),
		roleRuleCheck("k8s-rbac-secret-read", "RBAC rule can read Secrets", finding.SeverityHigh,
			"get, list or watch on Secrets reads every credential in scope, service account tokens included; list and watch return values too.",
			"Grant get on named Secrets only (resourceNames), or mount the Secret instead of reading it through the API.", []string{"cis-k8s:5.1.2", "nsa-cisa:rbac"},
			func(r PolicyRule) (string, string) {
				if !slices.Contains(r.APIGroups, "") && !slices.Contains(r.APIGroups, "*") {
					return "", ""
				}
				if grants(r, []string{"get", "list", "watch"}, []string{"secrets"}) && !(len(r.ResourceNames) > 0 && !slices.Contains(r.Verbs, "list") && !slices.Contains(r.Verbs, "watch") && !slices.Contains(r.Verbs, "*")) {
					return "resources", "can read Secrets"
				}
				return "", ""
			},
			"- apiGroups: [\"\"]\n  resources: [secrets] # want\n  verbs: [list]\n",
			"- apiGroups: [\"\"]\n  resources: [secrets]\n  resourceNames: [app-tls]\n  verbs: [get]\n"),
		roleRuleCheck("k8s-rbac-pod-exec", "RBAC rule allows exec or attach into pods", finding.SeverityHigh,
			"pods/exec and pods/attach give a shell in any pod in scope, with its service account and secrets.",
			"Remove pods/exec and pods/attach; use ephemeral debug containers under a break-glass role.", []string{"nsa-cisa:rbac"},
			func(r PolicyRule) (string, string) {
				if grants(r, []string{"create", "get"}, []string{"pods/exec", "pods/attach"}) {
					return "resources", "allows exec or attach into pods"
				}
				return "", ""
			},
			"- apiGroups: [\"\"]\n  resources: [pods/exec] # want\n  verbs: [create]\n",
			"- apiGroups: [\"\"]\n  resources: [pods/log]\n  verbs: [get]\n"),
		roleRuleCheck("k8s-rbac-create-pods", "RBAC rule can create workloads", finding.SeverityMedium,
			"Whoever can create pods (or controllers of pods) can run any image with any service account in scope, and reach every Secret it mounts.",
			"Limit workload creation to deployment pipelines and controllers.", []string{"cis-k8s:5.1.4"},
			func(r PolicyRule) (string, string) {
				if grants(r, []string{"create"}, []string{"pods", "deployments", "daemonsets", "statefulsets", "replicasets", "jobs", "cronjobs"}) && !slices.Contains(r.Resources, "*") {
					return "resources", "can create workloads"
				}
				return "", ""
			},
			"- apiGroups: [apps]\n  resources: [deployments] # want\n  verbs: [create, update]\n",
			"- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get, list]\n"),
		roleRuleCheck("k8s-rbac-escalate", "RBAC rule allows escalate, bind or impersonate", finding.SeverityCritical,
			"escalate and bind let a subject grant itself any permission; impersonate lets it act as any user, group or service account.",
			"Remove escalate, bind and impersonate; grant them only to cluster administrators.", []string{"cis-k8s:5.1.8", "nsa-cisa:rbac"},
			func(r PolicyRule) (string, string) {
				for _, v := range []string{"escalate", "bind", "impersonate"} {
					if slices.Contains(r.Verbs, v) {
						return "verbs", "allows " + v
					}
				}
				return "", ""
			},
			"- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind] # want\n",
			"- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [get]\n"),
		roleRuleCheck("k8s-rbac-node-proxy", "RBAC rule allows nodes/proxy", finding.SeverityHigh,
			"nodes/proxy reaches the kubelet API, which runs commands in any pod on the node and bypasses audit logging.",
			"Remove nodes/proxy; monitoring agents need nodes/metrics or nodes/stats only.", []string{"nsa-cisa:rbac"},
			func(r PolicyRule) (string, string) {
				if slices.Contains(r.Resources, "nodes/proxy") && len(r.Verbs) > 0 {
					return "resources", "allows nodes/proxy"
				}
				return "", ""
			},
			"- apiGroups: [\"\"]\n  resources: [nodes/proxy] # want\n  verbs: [get]\n",
			"- apiGroups: [\"\"]\n  resources: [nodes/metrics]\n  verbs: [get]\n"),
		roleRuleCheck("k8s-rbac-webhook-config", "RBAC rule can change admission webhooks", finding.SeverityHigh,
			"Whoever can edit admission webhook configurations can switch off policy enforcement or intercept every object sent to the API server.",
			"Limit write access to webhook configurations to the cluster's installers.", []string{"nsa-cisa:rbac"},
			func(r PolicyRule) (string, string) {
				if grants(r, []string{"create", "update", "patch", "delete"}, []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"}) && !slices.Contains(r.Resources, "*") {
					return "resources", "can change admission webhook configurations"
				}
				return "", ""
			},
			"- apiGroups: [admissionregistration.k8s.io]\n  resources: [mutatingwebhookconfigurations] # want\n  verbs: [patch]\n",
			"- apiGroups: [admissionregistration.k8s.io]\n  resources: [mutatingwebhookconfigurations]\n  verbs: [get]\n"),
		roleRuleCheck("k8s-rbac-token-create", "RBAC rule can mint service account tokens", finding.SeverityHigh,
			"create on serviceaccounts/token issues tokens for any service account in scope, and with them its permissions.",
			"Remove serviceaccounts/token create unless the subject is a token broker.", []string{"nsa-cisa:rbac"},
			func(r PolicyRule) (string, string) {
				if grants(r, []string{"create"}, []string{"serviceaccounts/token"}) && !slices.Contains(r.Resources, "*") {
					return "resources", "can create service account tokens"
				}
				return "", ""
			},
			"- apiGroups: [\"\"]\n  resources: [serviceaccounts/token] # want\n  verbs: [create]\n",
			"- apiGroups: [\"\"]\n  resources: [serviceaccounts]\n  verbs: [get]\n"),
		roleRuleCheck("k8s-rbac-csr-approve", "RBAC rule can approve certificate requests", finding.SeverityHigh,
			"Approving CertificateSigningRequests issues client certificates for any identity, system:masters included on some signers.",
			"Leave CSR approval to the controller manager.", []string{"nsa-cisa:rbac"},
			func(r PolicyRule) (string, string) {
				if grants(r, []string{"update", "patch"}, []string{"certificatesigningrequests/approval"}) && !slices.Contains(r.Resources, "*") {
					return "resources", "can approve certificate signing requests"
				}
				return "", ""
			},
			"- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests/approval] # want\n  verbs: [update]\n",
			"- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests]\n  verbs: [get]\n"),
		clusterAdminBinding(),
		anonymousBinding(),
		defaultSABinding(),
	}
}

func bindingExample(kind, roleName, subjects string) string {
	return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind + "\nmetadata:\n  name: ex\n  namespace: shop\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: " + roleName + "\nsubjects:\n" + subjects
}

func clusterAdminBinding() Check {
	return Check{
		Rule: rule("k8s-rbac-cluster-admin-binding", "Binding grants cluster-admin", finding.SeverityCritical,
			"cluster-admin is full control of the cluster; bound to a workload or a broad group it turns any compromise into a cluster compromise.",
			"Bind a role that lists only the permissions needed.",
			"cis-k8s:5.1.1", "nsa-cisa:rbac"),
		Run: onKind(bindingKinds(), func(r *Resource, report Report) {
			if r.RoleRef.Kind == "ClusterRole" && r.RoleRef.Name == "cluster-admin" {
				report(Path{}.Field("roleRef", "name"), fmt.Sprintf("%s grants cluster-admin", r.ID()))
			}
		}),
		Fail: []string{strings.Replace(bindingExample("ClusterRoleBinding", "cluster-admin", "- kind: ServiceAccount\n  name: ci\n  namespace: shop\n"), "name: cluster-admin", "name: cluster-admin # want", 1)},
		Pass: []string{bindingExample("RoleBinding", "view", "- kind: ServiceAccount\n  name: ci\n  namespace: shop\n")},
	}
}

func anonymousBinding() Check {
	return Check{
		Rule: rule("k8s-rbac-anonymous-subject", "Binding grants a role to anonymous or all authenticated users", finding.SeverityCritical,
			"system:anonymous, system:unauthenticated and system:authenticated include callers the cluster never vetted.",
			"Bind the role to named users, groups or service accounts.",
			"nsa-cisa:rbac"),
		Run: onKind(bindingKinds(), func(r *Resource, report Report) {
			for i, s := range r.Subjects {
				switch s.Name {
				case "system:anonymous", "system:unauthenticated", "system:authenticated":
					report(Path{}.Field("subjects").Item(i, s.Name).Field("name"), fmt.Sprintf("%s grants %s to %s", r.ID(), r.RoleRef.Name, s.Name))
				}
			}
		}),
		Fail: []string{bindingExample("RoleBinding", "view", "- kind: Group\n  name: system:unauthenticated # want\n")},
		Pass: []string{bindingExample("RoleBinding", "view", "- kind: Group\n  name: shop-readers\n")},
	}
}

func defaultSABinding() Check {
	return Check{
		Rule: rule("k8s-rbac-default-service-account", "Binding grants a role to a default service account", finding.SeverityMedium,
			"Every pod that names no service account runs as 'default'; permissions bound to it reach all of them.",
			"Create a dedicated ServiceAccount and bind the role to it.",
			"cis-k8s:5.1.5"),
		Run: onKind(bindingKinds(), func(r *Resource, report Report) {
			for i, s := range r.Subjects {
				if s.Kind == "ServiceAccount" && s.Name == "default" {
					report(Path{}.Field("subjects").Item(i, s.Name).Field("name"), fmt.Sprintf("%s grants %s to the default service account", r.ID(), r.RoleRef.Name))
				}
			}
		}),
		Fail: []string{bindingExample("RoleBinding", "edit", "- kind: ServiceAccount\n  name: default # want\n  namespace: shop\n")},
		Pass: []string{bindingExample("RoleBinding", "edit", "- kind: ServiceAccount\n  name: checkout\n  namespace: shop\n")},
	}
}
