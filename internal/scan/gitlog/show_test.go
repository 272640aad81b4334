package gitlog

import (
	"context"
	"testing"

	"github.com/palisade-sec/palisade/internal/scan/gitlog/gittest"
)

func TestShowReadsFileAtCommit(t *testing.T) {
	r := gittest.New(t)
	r.Write("cfg/app.env", "A=1\n")
	first := r.Commit("first")
	r.Write("cfg/app.env", "A=2\n")
	r.Commit("second")
	repo := Repo{Dir: r.Dir}
	ctx := context.Background()

	got, err := repo.Show(ctx, first, "cfg/app.env")
	if err != nil || string(got) != "A=1\n" {
		t.Fatalf("Show(first) = %q, %v; want the first version", got, err)
	}
	for name, commit := range map[string]string{
		"option-like":     "--output=/tmp/x",
		"revision syntax": "HEAD~1",
		"short hash":      first[:12],
	} {
		if _, err := repo.Show(ctx, commit, "cfg/app.env"); err == nil {
			t.Errorf("%s: Show(%q) accepted a non-hash", name, commit)
		}
	}
	if _, err := repo.Show(ctx, first, "cfg/missing.env"); err == nil {
		t.Error("Show of a path missing at that commit must fail")
	}
}
