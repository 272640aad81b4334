package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/cli"
)

// buildTags returns the -tags this test binary was built with, which are the tags the palisade
// binary of the same command line would have.
func buildTags(t *testing.T) string {
	t.Helper()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("no build information in this test binary")
	}
	for _, s := range bi.Settings {
		if s.Key == "-tags" {
			return s.Value
		}
	}
	return ""
}

// The binary must not link the plugin package: Kustomize imports it unless built with
// kustomize_disable_go_plugin_support, and with it every run pays for exporting every symbol
// (and the binary grows). The README's and .ci/run's commands build with the tag; this test
// fails if a build leaves it out, and TestHeavyPackagesNotLinked if plugin comes back anyway.
func TestNoPluginPackage(t *testing.T) {
	tags := buildTags(t)
	if !slices.Contains(strings.Split(tags, ","), "kustomize_disable_go_plugin_support") {
		t.Fatalf("built with -tags %q: build with -tags kustomize_disable_go_plugin_support (see README), or the binary links Go's plugin package", tags)
	}
}

// A build without the Rego engine refuses Rego policies instead of passing without them.
func TestOmittedRegoRefuses(t *testing.T) {
	if !regoOmitted {
		t.Skip("this build has the Rego engine; TestIaCRunsRegoPolicies covers it")
	}
	dir := t.TempDir()
	write(t, dir, "deploy.yaml", deployment)
	write(t, dir, "policy/labels.rego", "package main\n")
	t.Setenv("PALISADE_IAC_REGO", filepath.Join(dir, "policy"))
	_, err := run(t, "scan", dir, "--scanners", "iac")
	if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "palisade_omit_rego") {
		t.Fatalf("exit %d (%v): want 2 naming the build tag", cli.ExitCode(err), err)
	}
}

// A build without rendering names each chart as a problem that fails the gate.
func TestOmittedRenderFailsTheGate(t *testing.T) {
	if !renderOmitted {
		t.Skip("this build renders charts; the render tests cover it")
	}
	dir := t.TempDir()
	write(t, dir, "chart/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
	write(t, dir, "chart/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
	_, err := run(t, "scan", dir, "--scanners", "iac")
	if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "render") {
		t.Fatalf("exit %d (%v): want 2 with a render problem", cli.ExitCode(err), err)
	}
}

// A values file is read bounded: a path that never ends (a device, a pipe) fails the scan with
// the limit named, instead of being read into memory whole.
func TestValuesFileIsReadBounded(t *testing.T) {
	if renderOmitted {
		t.Skip("this build does not render charts")
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	dir := t.TempDir()
	write(t, dir, "deploy.yaml", deployment)
	t.Setenv("PALISADE_IAC_HELM_VALUES", "/dev/zero")
	_, err := run(t, "scan", dir, "--scanners", "iac")
	if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), "read /dev/zero: larger than the 8388608-byte limit") {
		t.Fatalf("exit %d (%v): want 2 naming the file and the limit", cli.ExitCode(err), err)
	}
}
