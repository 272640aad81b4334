package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// bigPackageLock builds a lockfile v3 of n packages, each depending on the two before it, some
// nested: the shape of a large front-end project.
func bigPackageLock(n int) []byte {
	pkgs := map[string]any{"": map[string]any{"name": "big", "dependencies": map[string]string{"pkg-0": "^1.0.0"}}}
	for i := range n {
		deps := map[string]string{}
		for j := max(0, i-2); j < i; j++ {
			deps[fmt.Sprintf("pkg-%d", j)] = "^1.0.0"
		}
		key := fmt.Sprintf("node_modules/pkg-%d", i)
		if i%10 == 9 {
			key = fmt.Sprintf("node_modules/pkg-%d/node_modules/pkg-%d", i-1, i)
		}
		pkgs[key] = map[string]any{"version": fmt.Sprintf("1.%d.0", i), "integrity": "sha512-" + strings.Repeat("A", 86) + "==", "license": "MIT", "dependencies": deps}
	}
	data, _ := json.MarshalIndent(map[string]any{"lockfileVersion": 3, "packages": pkgs}, "", "  ")
	return data
}

func bigCargoLock(n int) []byte {
	var b strings.Builder
	b.WriteString("version = 3\n\n[[package]]\nname = \"root\"\nversion = \"0.1.0\"\ndependencies = [\n \"crate-0\",\n]\n")
	for i := range n {
		fmt.Fprintf(&b, "\n[[package]]\nname = \"crate-%d\"\nversion = \"1.0.%d\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"%064d\"\n", i, i, i)
		if i > 0 {
			fmt.Fprintf(&b, "dependencies = [\n \"crate-%d\",\n]\n", i-1)
		}
	}
	return []byte(b.String())
}

func benchmarkExtract(b *testing.B, name string, data []byte, wantPkgs int) {
	fsys := fstest.MapFS{name: {Data: data}}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		pkgs, probs, err := Extract(context.Background(), fsys, []string{name})
		if err != nil || len(probs) > 0 || len(pkgs) != wantPkgs {
			b.Fatalf("got %d packages, %v, %+v", len(pkgs), err, probs)
		}
	}
}

func BenchmarkPackageLock5000(b *testing.B) {
	benchmarkExtract(b, "package-lock.json", bigPackageLock(5000), 5000)
}

func BenchmarkCargoLock5000(b *testing.B) {
	benchmarkExtract(b, "Cargo.lock", bigCargoLock(5000), 5000)
}
