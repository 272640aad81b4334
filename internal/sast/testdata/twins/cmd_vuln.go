package twins

import (
	"context"
	"net/http"
	"os"
	"os/exec"
)

// CmdVuln runs commands built from input: the program name from the environment, a shell script
// from the query, through a closure.
func CmdVuln(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	exec.Command(os.Getenv("EDITOR"), "notes.txt").Run() // want "go-command-injection"
	script := r.URL.Query().Get("script")
	run := func() {
		exec.CommandContext(ctx, "sh", "-c", script).Run() // want "go-command-injection"
	}
	run()
}
