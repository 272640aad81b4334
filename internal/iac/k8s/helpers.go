package k8s

import (
	"slices"
	"strings"
)

// each adapts a check of one object to a Check's Run: it runs for every object of the set.
func each(fn func(r *Resource, report Report)) func([]*Resource, TreeReport) {
	return func(rs []*Resource, report TreeReport) {
		for _, r := range rs {
			fn(r, func(p Path, msg string) { report(r, p, msg) })
		}
	}
}

// onPod adapts a check of one workload's pod to a Check's Run.
func onPod(fn func(r *Resource, pod Pod, report Report)) func([]*Resource, TreeReport) {
	return each(func(r *Resource, report Report) {
		if pod, ok := r.Pod(); ok {
			fn(r, pod, report)
		}
	})
}

// onContainer adapts a check of one container to a Check's Run; it runs for every container of
// every workload.
func onContainer(fn func(pod Pod, c ContainerRef, report Report)) func([]*Resource, TreeReport) {
	return onPod(func(_ *Resource, pod Pod, report Report) {
		for _, c := range pod.Containers() {
			fn(pod, c, report)
		}
	})
}

// onKind adapts a check of one object kind to a Check's Run.
func onKind(kinds []string, fn func(r *Resource, report Report)) func([]*Resource, TreeReport) {
	return each(func(r *Resource, report Report) {
		if slices.Contains(kinds, r.Kind) {
			fn(r, report)
		}
	})
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

// sc returns the container's security context path and value (nil when unset).
func sc(c ContainerRef) (Path, *SecurityContext) {
	return c.SCPath, c.SecurityContext
}

// podSC returns the pod's security context path and value (nil when unset).
func podSC(pod Pod) (Path, *PodSecurityContext) {
	return pod.SpecPath.Field("securityContext"), pod.Spec.SecurityContext
}

// example builds a Pod manifest for a check's examples: podFields go under spec (indented two
// spaces), containerFields under the one container (indented four). mark adds "# want" to the
// spec line ("spec") or the container's line ("container") for checks that report a missing field.
func example(mark, podFields, containerFields string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: ex\n  namespace: shop\nspec:")
	if mark == "spec" {
		b.WriteString(" # want")
	}
	b.WriteString("\n")
	b.WriteString(indent(podFields, "  "))
	b.WriteString("  containers:\n  - name: app")
	if mark == "container" {
		b.WriteString(" # want")
	}
	b.WriteString("\n    image: registry.example/app:1.4.2\n")
	b.WriteString(indent(containerFields, "    "))
	return b.String()
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

// upperAll returns the names upper-cased without a CAP_ prefix, as the kubelet compares them.
func capName(s string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "CAP_")
}
