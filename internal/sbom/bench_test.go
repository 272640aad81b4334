package sbom

import (
	"fmt"
	"io"
	"testing"

	"github.com/palisade-sec/palisade/internal/inventory"
)

func benchPackages(n int) []inventory.Package {
	pkgs := make([]inventory.Package, n)
	for i := range pkgs {
		p := inventory.Package{Name: fmt.Sprintf("pkg-%d", i), Version: "1.0.0", Ecosystem: inventory.NPM, Direct: i < 20,
			Licenses: []string{"MIT"}, Location: loc("package-lock.json", i+1)}
		p.PURL = inventory.PURL(p.Ecosystem, p.Name, p.Version)
		if i > 0 {
			p.DependsOn = []string{fmt.Sprintf("npm/pkg-%d@1.0.0", i-1)}
		}
		pkgs[i] = p
	}
	return pkgs
}

func BenchmarkWrite5000(b *testing.B) {
	pkgs := benchPackages(5000)
	for _, f := range []Format{CycloneDX, SPDX} {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(io.Discard, f, pkgs, fixed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
