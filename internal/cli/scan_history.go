package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/scan"
	"github.com/palisade-sec/palisade/internal/scan/gitlog"
	"github.com/palisade-sec/palisade/internal/suppress"
)

// historyFlags select a scan of version-control history instead of the work tree.
type historyFlags struct {
	git         bool
	since       string
	allBranches bool
	staged      bool
}

func (h *historyFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&h.git, "git", false, "scan what every commit of the repository added (with commit, author and date)")
	fl.StringVar(&h.since, "since", "", "with --git: only commits not reachable from this revision (REV..HEAD)")
	fl.BoolVar(&h.allBranches, "all-branches", false, "with --git: every branch and tag, not just HEAD")
	fl.BoolVar(&h.staged, "staged", false, "pre-commit mode: scan only the changes staged for the next commit")
}

func (h *historyFlags) enabled() bool { return h.git || h.staged || h.since != "" || h.allBranches }

func (h *historyFlags) repoDir(root string) string { return root }

func (h *historyFlags) scan(ctx context.Context, repo string, opts scan.Options) (*report.Run, error) {
	return scan.Git(ctx, repo, opts, scan.HistoryOptions{Since: h.since, AllBranches: h.allBranches, Staged: h.staged})
}

// readAt returns how suppression reads a file as it was at a commit, so a directive on the line
// above a finding from history is seen; nil outside history mode. Staged findings carry no commit
// and are read from the work tree.
func (h *historyFlags) readAt(ctx context.Context, repo string) suppress.ReadAtFunc {
	if !h.enabled() {
		return nil
	}
	g := gitlog.Repo{Dir: repo}
	return func(commit, path string) ([]byte, error) { return g.Show(ctx, commit, path) }
}
