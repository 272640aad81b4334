package k8s

import (
	"fmt"
	"slices"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Exposure and network segmentation: Services, Ingresses and NetworkPolicies. The segmentation
// checks are marked Across: they judge each namespace by every NetworkPolicy the scan found in it,
// whichever file holds it.

func serviceType(id, typ string, sev finding.Severity, desc string) Check {
	return Check{
		Rule: rule(id, "Service of type "+typ, sev, desc,
			"Use a ClusterIP Service behind an Ingress or gateway that authenticates and terminates TLS; if exposure is intended, restrict loadBalancerSourceRanges.",
			"nsa-cisa:network-separation"),
		Run: onKind([]string{"Service"}, func(r *Resource, report Report) {
			if r.Spec.Type == typ {
				report(Path{}.Field("spec", "type"), fmt.Sprintf("%s is exposed outside the cluster as %s", r.ID(), typ))
			}
		}),
		Fail: []string{"apiVersion: v1\nkind: Service\nmetadata:\n  name: ex\nspec:\n  type: " + typ + " # want\n  ports:\n  - port: 80\n"},
		Pass: []string{"apiVersion: v1\nkind: Service\nmetadata:\n  name: ex\nspec:\n  type: ClusterIP\n  ports:\n  - port: 80\n"},
	}
}

func externalIPs() Check {
	return Check{
		Rule: rule("k8s-service-external-ips", "Service sets externalIPs", finding.SeverityMedium,
			"externalIPs let a Service claim any address, which can intercept traffic meant for other destinations (CVE-2020-8554).",
			"Remove externalIPs; use a LoadBalancer or Ingress, and block externalIPs with admission policy.",
			"nsa-cisa:network-separation"),
		Run: onKind([]string{"Service"}, func(r *Resource, report Report) {
			if len(r.Spec.ExternalIPs) > 0 {
				report(Path{}.Field("spec", "externalIPs"), fmt.Sprintf("%s claims external IPs %v", r.ID(), r.Spec.ExternalIPs))
			}
		}),
		Fail: []string{"apiVersion: v1\nkind: Service\nmetadata:\n  name: ex\nspec:\n  externalIPs: # want\n  - 203.0.113.9\n"},
		Pass: []string{"apiVersion: v1\nkind: Service\nmetadata:\n  name: ex\nspec:\n  ports:\n  - port: 80\n"},
	}
}

func ingressTLS() Check {
	return Check{
		Rule: rule("k8s-ingress-no-tls", "Ingress without TLS", finding.SeverityMedium,
			"An Ingress without a tls block serves its hosts over plain HTTP, exposing credentials and session tokens on the network.",
			"Add a spec.tls entry covering every host, with a certificate Secret (cert-manager can issue it).",
			"nsa-cisa:network-separation"),
		Run: onKind([]string{"Ingress"}, func(r *Resource, report Report) {
			if len(r.Spec.TLS) == 0 {
				report(Path{}.Field("spec"), fmt.Sprintf("%s serves without TLS", r.ID()))
				return
			}
			covered := map[string]bool{}
			for _, t := range r.Spec.TLS {
				for _, h := range t.Hosts {
					covered[h] = true
				}
			}
			for i, rl := range r.Spec.Rules {
				if rl.Host != "" && !covered[rl.Host] {
					report(Path{}.Field("spec", "rules").Item(i, rl.Host).Field("host"), fmt.Sprintf("%s serves host %s without TLS", r.ID(), rl.Host))
				}
			}
		}),
		Fail: []string{
			"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ex\nspec: # want\n  rules:\n  - host: shop.example\n",
			"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ex\nspec:\n  tls:\n  - hosts: [shop.example]\n    secretName: shop-tls\n  rules:\n  - host: shop.example\n  - host: admin.example # want\n",
		},
		Pass: []string{"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ex\nspec:\n  tls:\n  - hosts: [shop.example]\n    secretName: shop-tls\n  rules:\n  - host: shop.example\n"},
	}
}

func netpolAllowAll() Check {
	return Check{
		Rule: rule("k8s-netpol-allow-all", "NetworkPolicy allows traffic from or to anywhere", finding.SeverityMedium,
			"A rule with no peers and no ports, or a 0.0.0.0/0 block, admits every source or destination and undoes the segmentation other policies build.",
			"Name the peers (podSelector, namespaceSelector, narrow ipBlock) and ports each rule admits.",
			"nsa-cisa:network-separation", "cis-k8s:5.3.2"),
		Run: onKind([]string{"NetworkPolicy"}, func(r *Resource, report Report) {
			check := func(field string, rules []NetworkPolicyRule) {
				for i, rl := range rules {
					peers := rl.From
					if field == "egress" {
						peers = rl.To
					}
					p := Path{}.Field("spec", field).Item(i, "")
					if len(peers) == 0 && len(rl.Ports) == 0 {
						report(p, fmt.Sprintf("%s %s rule %d allows all traffic", r.ID(), field, i))
						continue
					}
					for j, peer := range peers {
						if peer.IPBlock != nil && (peer.IPBlock.CIDR == "0.0.0.0/0" || peer.IPBlock.CIDR == "::/0") && len(peer.IPBlock.Except) == 0 {
							pf := "from"
							if field == "egress" {
								pf = "to"
							}
							report(p.Field(pf).Item(j, "").Field("ipBlock", "cidr"), fmt.Sprintf("%s %s rule %d allows %s", r.ID(), field, i, peer.IPBlock.CIDR))
						}
					}
				}
			}
			check("ingress", r.Spec.Ingress)
		}),
		Fail: []string{"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ex\nspec:\n  podSelector: {}\n  ingress:\n  - {} # want\n"},
		Pass: []string{"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ex\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {app: web}\n"},
	}
}

// Matches reports whether selector s selects labels; a nil or empty selector selects everything.
func (s *LabelSelector) Matches(labels map[string]string) bool {
	if s == nil {
		return true
	}
	for k, v := range s.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, e := range s.MatchExpressions {
		v, ok := labels[e.Key]
		switch e.Operator {
		case "In":
			if !ok || !slices.Contains(e.Values, v) {
				return false
			}
		case "NotIn":
			if ok && slices.Contains(e.Values, v) {
				return false
			}
		case "Exists":
			if !ok {
				return false
			}
		case "DoesNotExist":
			if ok {
				return false
			}
		default:
			return false // an unknown operator selects nothing, as the API server would reject it
		}
	}
	return true
}

func (s *LabelSelector) empty() bool {
	return s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0)
}

// appliesTo reports whether a NetworkPolicy restricts direction ("Ingress" or "Egress"):
// without policyTypes, Ingress always and Egress when egress rules exist.
func appliesTo(np *Resource, dir string) bool {
	if len(np.Spec.PolicyTypes) == 0 {
		return dir == "Ingress" || len(np.Spec.Egress) > 0
	}
	return slices.Contains(np.Spec.PolicyTypes, dir)
}

// policiesByNamespace groups the NetworkPolicies of a scan.
func policiesByNamespace(rs []*Resource) map[string][]*Resource {
	out := map[string][]*Resource{}
	for _, r := range rs {
		if r.Kind == "NetworkPolicy" {
			out[r.Namespace()] = append(out[r.Namespace()], r)
		}
	}
	return out
}

func netpolUnselected() Check {
	return Check{
		Rule: rule("k8s-netpol-workload-unselected", "Workload not selected by any NetworkPolicy", finding.SeverityMedium,
			"A pod no NetworkPolicy selects accepts traffic from every pod in the cluster; one compromised pod can reach it.",
			"Add a NetworkPolicy in the workload's namespace whose podSelector matches its pod labels (a default-deny policy with podSelector: {} covers all).",
			"cis-k8s:5.3.2", "nsa-cisa:network-separation"),
		Across: true,
		Run: func(rs []*Resource, report TreeReport) {
			byNS := policiesByNamespace(rs)
			for _, r := range rs {
				pod, ok := r.Pod()
				if !ok || r.Kind == "Job" || r.Kind == "CronJob" || pod.Spec.HostNetwork {
					continue
				}
				selected := slices.ContainsFunc(byNS[r.Namespace()], func(np *Resource) bool {
					return appliesTo(np, "Ingress") && np.Spec.PodSelector.Matches(pod.Meta.Labels)
				})
				if !selected {
					report(r, pod.MetaPath.Field("labels"), fmt.Sprintf("no NetworkPolicy in namespace %q selects %s", r.Namespace(), r.ID()))
				}
			}
		},
		Fail: []string{"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels: # want\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: web:1\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api-only\n  namespace: shop\nspec:\n  podSelector:\n    matchLabels: {app: api}\n"},
		Pass: []string{"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: web:1\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  podSelector:\n    matchExpressions:\n    - {key: app, operator: In, values: [web, api]}\n"},
	}
}

func defaultDenyCheck(id, dir string, sev finding.Severity) Check {
	return Check{
		Rule: rule(id, "Namespace has no default-deny "+dir+" NetworkPolicy", sev,
			"Without a policy that selects every pod and allows nothing, each new workload starts open; segmentation depends on remembering to add a policy every time.",
			fmt.Sprintf("Add a NetworkPolicy with podSelector: {}, policyTypes: [%s] and no %s rules to the namespace.", dir, dir),
			"cis-k8s:5.3.2", "nsa-cisa:network-separation"),
		Across: true,
		Run: func(rs []*Resource, report TreeReport) {
			byNS := policiesByNamespace(rs)
			anchor := map[string]*Resource{} // the Namespace object, else the first workload
			var order []string
			for _, r := range rs {
				ns := ""
				switch {
				case r.Kind == "Namespace":
					ns = r.Metadata.Name
				case IsWorkload(r.Kind):
					ns = r.Namespace()
				default:
					continue
				}
				if a, ok := anchor[ns]; !ok {
					anchor[ns] = r
					order = append(order, ns)
				} else if r.Kind == "Namespace" && a.Kind != "Namespace" {
					anchor[ns] = r
				}
			}
			for _, ns := range order {
				deny := slices.ContainsFunc(byNS[ns], func(np *Resource) bool {
					if !np.Spec.PodSelector.empty() || !appliesTo(np, dir) {
						return false
					}
					if dir == "Ingress" {
						return len(np.Spec.Ingress) == 0
					}
					return len(np.Spec.Egress) == 0
				})
				if !deny {
					a := anchor[ns]
					p := Path{}.Field("metadata", "namespace")
					if a.Kind == "Namespace" {
						p = Path{}.Field("metadata", "name")
					}
					report(a, p, fmt.Sprintf("namespace %q has no default-deny %s NetworkPolicy", ns, dir))
				}
			}
		},
		Fail: []string{"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop # want\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-web\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from:\n    - podSelector: {}\n  egress:\n  - to:\n    - podSelector: {}\n"},
		Pass: []string{"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"},
	}
}

func ingressSnippet() Check {
	const prefix = "nginx.ingress.kubernetes.io/"
	return Check{
		Rule: rule("k8s-ingress-nginx-snippet", "Ingress injects raw NGINX configuration", finding.SeverityHigh,
			"configuration-snippet, server-snippet and auth-snippet annotations put arbitrary NGINX directives into the shared controller: whoever can edit an Ingress can read the controller's secrets or reroute other tenants' traffic (CVE-2021-25742).",
			"Remove the snippet annotation and use the controller's dedicated annotations; disable allow-snippet-annotations on the controller.",
			"nsa-cisa:network-separation"),
		Run: onKind([]string{"Ingress"}, func(r *Resource, report Report) {
			for _, a := range []string{"configuration-snippet", "server-snippet", "auth-snippet", "stream-snippet"} {
				if _, ok := r.Metadata.Annotations[prefix+a]; ok {
					report(Path{}.Field("metadata", "annotations", prefix+a), fmt.Sprintf("%s sets %s", r.ID(), prefix+a))
				}
			}
		}),
		Fail: []string{"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ex\n  annotations:\n    nginx.ingress.kubernetes.io/server-snippet: | # want\n      location /admin { allow all; }\nspec:\n  tls:\n  - hosts: [a.example]\n"},
		Pass: []string{"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ex\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-redirect: \"true\"\nspec:\n  tls:\n  - hosts: [a.example]\n"},
	}
}
