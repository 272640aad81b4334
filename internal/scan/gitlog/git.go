package gitlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Repo runs the git binary against one repository. The zero Git field means "git" from PATH.
type Repo struct {
	Dir string
	Git string
}

// LogOptions chooses which commits Log reads.
type LogOptions struct {
	// Since, when set, limits history to commits not reachable from this revision (since..HEAD).
	Since string
	// All reads every branch and tag (git log --all) instead of HEAD alone.
	All bool
	// MaxFragment bounds one run of added lines in bytes (see Reader.MaxFragment); zero means
	// no bound.
	MaxFragment int
}

// globalArgs pin every setting that changes the shape of git's output, whatever the user's or
// the repository's configuration says: a signature check, a colour, a custom prefix or an
// external diff tool must not leak into the stream the parser reads.
func globalArgs() []string {
	return []string{
		"--no-pager",
		"-c", "core.quotePath=false",
		"-c", "log.showSignature=false",
		"-c", "diff.noprefix=false",
		"-c", "diff.mnemonicPrefix=false",
		"-c", "diff.suppressBlankEmpty=false",
		"-c", "color.ui=false",
		// A repository's own config may name programs git runs while reading the index; a
		// scanner of untrusted checkouts must not start them.
		"-c", "core.fsmonitor=false",
	}
}

// diffArgs make a patch of added lines only, with exact line numbers and no helpers that could
// change content: no context, no textconv filters, no external diff, renames detected so a moved
// file is not reported as all new.
func diffArgs() []string {
	return []string{
		"-p", "-U0", "--inter-hunk-context=0", "-M",
		"--no-color", "--no-ext-diff", "--no-textconv", "--no-relative",
		"--src-prefix=a/", "--dst-prefix=b/",
	}
}

func (r Repo) command(ctx context.Context, args ...string) *exec.Cmd {
	bin := r.Git
	if bin == "" {
		bin = "git"
	}
	full := append(append([]string{"-C", r.Dir}, globalArgs()...), args...)
	cmd := exec.CommandContext(ctx, bin, full...)
	// LC_ALL=C keeps git's messages in English whatever the user's language: Tracked tells "not a
	// git repository" from a real failure by its message.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0", "GIT_PAGER=cat", "LC_ALL=C")
	return cmd
}

// output runs git and returns its standard output, or an error quoting its standard error.
func (r Repo) output(ctx context.Context, op string, args ...string) ([]byte, error) {
	cmd := r.command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 4 << 10}
	out, err := cmd.Output()
	if err != nil {
		return nil, gitError(ctx, op, err, stderr.String())
	}
	return out, nil
}

func gitError(ctx context.Context, op string, err error, stderr string) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
	if msg := strings.TrimSpace(stderr); msg != "" {
		return fmt.Errorf("%s: %w: %s", op, err, msg)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// ErrNoGit means the git binary could not be run at all.
var ErrNoGit = errors.New("the git binary was not found")

// Check verifies that Dir is inside a git work tree or repository.
func (r Repo) Check(ctx context.Context) error {
	if _, err := r.output(ctx, "git rev-parse", "rev-parse", "--git-dir"); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: %w", ErrNoGit, err)
		}
		return fmt.Errorf("%s is not a git repository: %w", r.Dir, err)
	}
	return nil
}

// HasCommits reports whether HEAD points at a commit (false in a fresh repository).
func (r Repo) HasCommits(ctx context.Context) bool {
	_, err := r.output(ctx, "git rev-parse", "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	return err == nil
}

// ResolveCommit checks that rev names a commit and returns its hash.
func (r Repo) ResolveCommit(ctx context.Context, rev string) (string, error) {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("revision %q is not a commit name", rev)
	}
	out, err := r.output(ctx, "git rev-parse", "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("revision %q is not a commit in %s", rev, r.Dir)
	}
	return strings.TrimSpace(string(out)), nil
}

// revs turns options into revision arguments; since must already be resolved to a hash.
func revs(opts LogOptions, since string) []string {
	var args []string
	if opts.All {
		args = append(args, "--all")
	}
	args = append(args, "--end-of-options")
	if !opts.All {
		args = append(args, "HEAD")
	}
	if since != "" {
		args = append(args, "^"+since)
	}
	return args
}

// Count returns how many commits Log will read, for progress.
func (r Repo) Count(ctx context.Context, opts LogOptions) (int, error) {
	since, err := r.since(ctx, opts)
	if err != nil {
		return 0, err
	}
	if !opts.All && !r.HasCommits(ctx) {
		return 0, nil
	}
	out, err := r.output(ctx, "git rev-list", append([]string{"rev-list", "--count"}, revs(opts, since)...)...)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return 0, fmt.Errorf("git rev-list --count: unexpected output %q", clip(out))
	}
	return n, nil
}

func (r Repo) since(ctx context.Context, opts LogOptions) (string, error) {
	if opts.Since == "" {
		return "", nil
	}
	return r.ResolveCommit(ctx, opts.Since)
}

// Log streams the history chosen by opts, newest first, calling fn once per commit. Merge
// commits are read as combined diffs, so only what a merge itself added is reported, not the
// changes of the branches it joins (those are read in their own commits). If fn returns an error,
// Log stops git and returns it.
func (r Repo) Log(ctx context.Context, opts LogOptions, fn func(*Commit) error) error {
	since, err := r.since(ctx, opts)
	if err != nil {
		return err
	}
	if !opts.All && !r.HasCommits(ctx) {
		return nil // an empty repository has no history to read
	}
	// --root: show the first commit's content even when log.showRoot=false says otherwise.
	args := append([]string{"log", "--root", "--cc", "--format=" + LogFormat}, diffArgs()...)
	return r.stream(ctx, "git log", append(args, revs(opts, since)...), func(stdout io.Reader) error {
		return r.read(stdout, opts.MaxFragment, fn)
	})
}

// stream runs git and hands its standard output to consume as it arrives, so memory does not
// grow with the size of the history. If consume fails, git is stopped.
func (r Repo) stream(ctx context.Context, op string, args []string, consume func(io.Reader) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := r.command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 4 << 10}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	readErr := consume(stdout)
	if readErr != nil {
		cancel()                           // stop git before waiting on it
		_, _ = io.Copy(io.Discard, stdout) // let it exit if it is blocked writing
	}
	waitErr := cmd.Wait()
	switch {
	case readErr != nil:
		return readErr
	case waitErr != nil:
		return gitError(ctx, op, waitErr, stderr.String())
	}
	return nil
}

func (r Repo) read(stdout io.Reader, maxFragment int, fn func(*Commit) error) error {
	lr := NewReader(stdout)
	lr.MaxFragment = maxFragment
	for {
		c, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
}

// Staged returns the changes staged for the next commit (git diff --cached): what a pre-commit
// hook must check. maxFragment bounds one run of added lines as LogOptions.MaxFragment does.
func (r Repo) Staged(ctx context.Context, maxFragment int) ([]FileDiff, error) {
	var files []FileDiff
	args := append(append([]string{"diff", "--cached"}, diffArgs()...), "--end-of-options")
	err := r.stream(ctx, "git diff --cached", args, func(stdout io.Reader) error {
		var err error
		files, err = ParseDiff(stdout, maxFragment)
		return err
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}

// limitedBuffer keeps the first max bytes written to it and drops the rest, so a noisy git cannot
// grow memory without bound.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// Show returns the file at path as it was at commit, as history findings name them: a full
// commit hash and a path relative to the repository's top. Suppression uses it to read the lines
// around a finding from history (a directive on the line above is not in the added lines).
func (r Repo) Show(ctx context.Context, commit, path string) ([]byte, error) {
	if !isHash(commit) {
		return nil, fmt.Errorf("read %s at %q: not a commit hash", path, commit)
	}
	return r.output(ctx, "git cat-file", "cat-file", "blob", commit+":"+path)
}

// isHash reports whether s is a full SHA-1 or SHA-256 object name, so that nothing a caller passes
// can be read by git as an option or a revision expression.
func isHash(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
