package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childEnv selects what a re-executed test binary does instead of running the tests.
const childEnv = "PALISADE_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "stuck":
		// A stage that does not stop when cancelled: the first signal must still cancel the
		// context, and the second must end the process.
		ctx, cancel := interruptContext()
		defer cancel()
		fmt.Println("ready")
		<-ctx.Done()
		fmt.Println("cancelled")
		time.Sleep(time.Hour)
	case "scan":
		// The real command line, with the signal handling installed before "ready".
		ctx, cancel := interruptContext()
		defer cancel()
		fmt.Println("ready")
		code := runCLI(ctx, strings.Fields(os.Getenv("PALISADE_TEST_ARGS")))
		fmt.Println("exit", code)
		os.Exit(code)
	}
}

// child starts this test binary in one of the TestMain modes, with stdout as a line reader.
func child(t *testing.T, mode string, env ...string) (*exec.Cmd, *bufio.Reader, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childEnv+"="+mode), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, bufio.NewReader(out), &stderr
}

func expectLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	line, err := r.ReadString('\n')
	if strings.TrimSpace(line) != want {
		t.Fatalf("child printed %q (%v), want %q", line, err, want)
	}
}

// TestSecondSignalExitsAtOnce: the first SIGINT or SIGTERM cancels the run; a second one ends
// the process with 130 and one line on stderr, even when a stage ignores the cancellation.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	for _, sigs := range [][2]syscall.Signal{{syscall.SIGINT, syscall.SIGINT}, {syscall.SIGTERM, syscall.SIGINT}, {syscall.SIGINT, syscall.SIGTERM}} {
		t.Run(fmt.Sprintf("%v then %v", sigs[0], sigs[1]), func(t *testing.T) {
			cmd, out, stderr := child(t, "stuck")
			expectLine(t, out, "ready")
			if err := cmd.Process.Signal(sigs[0]); err != nil {
				t.Fatal(err)
			}
			expectLine(t, out, "cancelled")
			if err := cmd.Process.Signal(sigs[1]); err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, out); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 130 {
				t.Fatalf("child ended with %v, want exit code 130; stderr:\n%s", err, stderr)
			}
			if got := strings.Count(stderr.String(), "\n"); got != 1 || !strings.Contains(stderr.String(), "interrupted again") {
				t.Errorf("stderr = %q, want one line saying it was interrupted again", stderr)
			}
		})
	}
}

// TestOnSignalsStopsWhenClosed: the signal watcher has an exit when no signal ever comes.
func TestOnSignalsStopsWhenClosed(t *testing.T) {
	for _, n := range []int{0, 1} {
		sigs := make(chan os.Signal, 2)
		for range n {
			sigs <- os.Interrupt
		}
		close(sigs)
		cancelled, exited := false, false
		onSignals(sigs, func() { cancelled = true }, io.Discard, func(int) { exited = true })
		if cancelled != (n == 1) || exited {
			t.Errorf("%d signals then close: cancelled %v, exited %v", n, cancelled, exited)
		}
	}
}

// TestInterruptStopsARenderBomb: one SIGINT stops a scan whose chart would render for ever (the
// render bounds are set out of reach), and the scan says it was cancelled.
func TestInterruptStopsARenderBomb(t *testing.T) {
	if renderOmitted {
		t.Skip("this build omits rendering (palisade_omit_render): there is no render to interrupt")
	}
	dir := t.TempDir()
	write(t, dir, "chart/Chart.yaml", "apiVersion: v2\nname: bomb\nversion: 1.0.0\n")
	write(t, dir, "chart/templates/bomb.yaml", "{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}\n")
	cmd, out, stderr := child(t, "scan", "PALISADE_TEST_ARGS=scan --scanners iac "+dir,
		"PALISADE_IAC_RENDER_TIMEOUT=1000h", "PALISADE_IAC_RENDER_MAX_BYTES=1000TiB")
	expectLine(t, out, "ready")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	expectLine(t, out, "exit 2")
	if err := cmd.Wait(); err == nil {
		t.Errorf("an interrupted scan exited 0")
	}
	if !strings.Contains(stderr.String(), "context canceled") {
		t.Errorf("stderr does not say the scan was cancelled:\n%s", stderr)
	}
}
