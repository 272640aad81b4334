package rules

import (
	"context"
	"os"
	"testing"
	"time"

	"golang.org/x/tools/go/packages"
)

func TestSelfScan(t *testing.T) {
	dir := os.Getenv("SELFSCAN")
	if dir == "" {
		t.Skip()
	}
	t0 := time.Now()
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo, Dir: dir, Tests: true}, "./...")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("load %v, %d pkgs", time.Since(t0), len(pkgs))
	t0 = time.Now()
	fs, err := Check(context.Background(), pkgs, nil)
	t.Logf("check %v, %d findings, err %v", time.Since(t0), len(fs), err)
	for _, f := range fs {
		t.Logf("%s:%d %s %s", f.Location.Path, f.Location.StartLine, f.RuleID, f.Description[:min(100, len(f.Description))])
	}
}
