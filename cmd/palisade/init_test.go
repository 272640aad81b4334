package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Every run of palisade, `palisade version` too, pays for the package initialisation of every
// package linked into it. These tests hold that cost without timing anything (times on a shared
// machine are noise): which packages are linked, and how much the linked ones allocate while
// they initialise, which is deterministic for a given build and tracks the time closely.

// notLinked are packages the binary must not depend on, each with why: they initialise heavily,
// or are a second copy of something the binary has once, or are a client for a cluster or a
// network that offline rendering and scanning never need. A prefix ending in "/" stands for
// every package under it.
var notLinked = []struct{ pkg, why string }{
	{"plugin", "Kustomize links it without -tags kustomize_disable_go_plugin_support; exporting every symbol slows every start"},
	{"helm.sh/helm/v4/", "a second Helm; its chart packages build client-go's scheme at package init and import testing"},
	{"helm.sh/helm/v3/pkg/engine", "rendering runs its own bounded engine (internal/iac/render); Helm's adds a cluster lookup client"},
	{"helm.sh/helm/v3/pkg/action", "Helm's install/upgrade machinery: a cluster client and every storage driver"},
	{"helm.sh/helm/v3/pkg/kube", "a cluster client"},
	{"helm.sh/helm/v3/pkg/getter", "chart downloads: rendering never fetches"},
	{"helm.sh/helm/v3/pkg/registry", "OCI chart downloads: rendering never fetches"},
	{"k8s.io/client-go/rest", "a cluster client"},
	{"k8s.io/client-go/kubernetes/typed/", "the typed clientset of every API group"},
	{"k8s.io/client-go/discovery", "a cluster client"},
	{"k8s.io/client-go/tools/", "kubeconfig loading, caches and watches"},
	{"k8s.io/kubectl/", "kubectl's libraries"},
	{"k8s.io/cli-runtime/", "kubectl's libraries"},
	{"google.golang.org/grpc", "a gRPC stack with a heavy init; nothing here speaks gRPC"},
	{"github.com/google/cel-go/", "a second CEL (the module is cel.dev/cel-go now); internal/policy is the one environment"},
	{"github.com/xeipuuv/gojsonschema", "a second JSON Schema validator beside santhosh-tekuri/jsonschema, which Helm brings"},
	{"github.com/open-policy-agent/opa/v1/server", "OPA's server; Rego runs as a library"},
	{"github.com/open-policy-agent/opa/v1/plugins", "OPA's plugin manager (bundles, decision logs, status)"},
	{"github.com/open-policy-agent/opa/v1/storage/disk", "OPA's disk store and badger"},
	{"github.com/tetratelabs/wazero", "OPA's WebAssembly runtime"},
	{"net/http/pprof", "registers handlers on http.DefaultServeMux at init"},
}

// TestHeavyPackagesNotLinked fails when a change links one of notLinked into the binary built
// with this test's tags; and, in lean builds, when rendering or Rego dependencies come back.
func TestHeavyPackagesNotLinked(t *testing.T) {
	tags := buildTags(t)
	deps := goListDeps(t, tags)
	forbidden := notLinked
	if renderOmitted {
		forbidden = append(forbidden,
			struct{ pkg, why string }{"helm.sh/", "built with palisade_omit_render"},
			struct{ pkg, why string }{"k8s.io/", "built with palisade_omit_render"},
			struct{ pkg, why string }{"sigs.k8s.io/kustomize/", "built with palisade_omit_render"},
			struct{ pkg, why string }{"github.com/santhosh-tekuri/jsonschema/", "built with palisade_omit_render (only Helm's values schemas need it; ~10 ms of init)"})
	}
	if regoOmitted {
		forbidden = append(forbidden, struct{ pkg, why string }{"github.com/open-policy-agent/", "built with palisade_omit_rego"})
	}
	for _, f := range forbidden {
		for _, d := range deps {
			if d == f.pkg || (strings.HasSuffix(f.pkg, "/") && strings.HasPrefix(d, f.pkg)) {
				t.Errorf("the palisade binary (-tags %q) links %s: %s", tags, d, f.why)
				break
			}
		}
	}
}

// goListDeps lists the packages the palisade binary built with tags depends on.
func goListDeps(t *testing.T, tags string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", "-tags", tags, ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	return strings.Fields(string(out))
}

// initAllowance is what one package of this module may allocate while it initialises: a few
// sentinel errors and small tables (a package is also charged for standard-library state its
// init touches first, which moves between builds: 1.3 KB for jwtauth in the full build, 5 KB in
// the lean one). Anything larger (a compiled regular expression, a parsed
// schema, an environment) is built on first use (sync.OnceValue), so a command that does not
// need it does not pay for it.
const initAllowance = 8 << 10

// initExceptions are packages of this module over initAllowance today, with their ceiling; each
// is a debt to pay (make the work lazy), not a licence to grow.
var initExceptions = map[string]int64{
	"internal/inventory":         8 << 10,  // paid: regular expressions built on first use
	"internal/inventory/license": 24 << 10, // normalisation regular expressions
	"internal/vulndb":            24 << 10, // ecosystem version regular expressions
	"internal/vulndb/cvss":       24 << 10, // CVSS v4 lookup tables
}

// initBudget bounds what the whole binary allocates at init (5.2 MB today, 1.7 MB of it Helm's
// JSON Schema validator compiling its meta-schemas). A new dependency that costs as much as one
// more of those fails here.
const initBudget = 6 << 20

// TestInitAllocations runs this test binary (which links what palisade links) with
// GODEBUG=inittrace=1 and holds package initialisation to initAllowance per package of this
// module and initBudget for all.
func TestInitAllocations(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("coverage and the race detector add allocations of their own at init")
	}
	if os.Getenv("PALISADE_INIT_CHILD") != "" {
		return // the child only initialises
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInitAllocations$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1", "PALISADE_INIT_CHILD=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("run %s with inittrace: %v\n%s", os.Args[0], err, stderr.String())
	}
	inits, err := parseInitTrace(stderr.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(inits) == 0 {
		t.Fatalf("no inittrace lines from the child:\n%s", stderr.String())
	}
	const module = "github.com/palisade-sec/palisade/"
	var total int64
	for _, in := range inits {
		total += in.bytes
		rel, ours := strings.CutPrefix(in.pkg, module)
		if !ours {
			continue
		}
		limit, listed := initExceptions[rel]
		if !listed {
			limit = initAllowance
		}
		if in.bytes > limit {
			t.Errorf("%s allocates %d bytes at init, over its %d: build what it builds on first use (sync.OnceValue)", rel, in.bytes, limit)
		}
	}
	if total > initBudget {
		t.Errorf("package initialisation allocates %d bytes in all, over the budget of %d: which new dependency initialises this much, and is it needed?", total, initBudget)
	}
	t.Logf("package initialisation: %d packages, %d bytes", len(inits), total)
}

// packageInit is one line of GODEBUG=inittrace=1:
// "init github.com/x/y @0.5 ms, 0.1 ms clock, 1024 bytes, 12 allocs".
type packageInit struct {
	pkg   string
	bytes int64
}

func parseInitTrace(out []byte) ([]packageInit, error) {
	var inits []packageInit
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		n, err := strconv.ParseInt(f[7], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("inittrace line %q: %w", sc.Text(), err)
		}
		inits = append(inits, packageInit{pkg: f[1], bytes: n})
	}
	return inits, sc.Err()
}
