package twins

import (
	"context"
	"net/http"
	"os/exec"
	"regexp"
)

var branchName = regexp.MustCompile(`^[a-z0-9-]+$`)

// CmdSafe runs a fixed program with the input as one argument (no shell), and only after an
// allow-list regexp.
func CmdSafe(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	exec.Command("vi", "notes.txt").Run() // ok "go-command-injection"
	script := r.URL.Query().Get("script")
	run := func() {
		exec.CommandContext(ctx, "git", "log", "--", script).Run() // ok "go-command-injection"
	}
	run()
	br := r.FormValue("branch")
	if !branchName.MatchString(br) {
		return
	}
	exec.Command(br).Run() // ok "go-command-injection"
}
