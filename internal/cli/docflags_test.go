package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// notPalisadeFlags are flags the docs name for other tools (git, go, helm, curl, openssl …), in
// prose code spans that do not say which tool; each entry says whose it is.
var notPalisadeFlags = map[string]string{
	"--set":                      "helm template (iac.helm-set mirrors it)",
	"--insecure-skip-tls-verify": "helm, in the sast-rules.md real-code results",
	"--offline":                  "osv-scanner, in the deps.md comparison",
	"--offline-vulnerabilities":  "osv-scanner, in the deps.md comparison",
	"--hash":                     "pip requirements files",
	"--requirement":              "pip requirements files",
	"--constraint":               "pip requirements files",
	"--no-ext-diff":              "git log, as scan --git runs it",
	"--no-textconv":              "git log, as scan --git runs it",
	"--no-relative":              "git log, as scan --git runs it",
	"--src-prefix":               "git log, as scan --git runs it",
	"--dst-prefix":               "git log, as scan --git runs it",
	"--root":                     "git log, as scan --git runs it",
	"--cc":                       "git log, as scan --git runs it",
}

var (
	// docFlag is a long flag as the docs write it: --name, --name=value, --name VALUE.
	docFlag = regexp.MustCompile(`(?:^|[\s(\[` + "`" + `])(--[a-z][a-z0-9-]*)`)
	// leadingFlag is a command-line word that is a long flag.
	leadingFlag = regexp.MustCompile(`^(--[a-z][a-z0-9-]*)`)
	// inlineCode is a Markdown code span.
	inlineCode = regexp.MustCompile("`([^`]+)`")
)

// TestDocumentedFlagsExist keeps every flag named in docs/*.md and README.md real: a flag on a
// `palisade SUB …` command line must exist on that command, and a flag named alone in prose
// (`--fail-on`) must exist on some command of the tree main builds.
func TestDocumentedFlagsExist(t *testing.T) {
	app, _, _ := testApp()
	root := Root(app)
	all := allFlags(root)
	files, err := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs found: %v", err)
	}
	files = append(files, filepath.Join("..", "..", "README.md"))
	checked := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		inBlock := false
		for i, line := range strings.Split(string(data), "\n") {
			where := filepath.Base(file) + ":" + strconv.Itoa(i+1)
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				inBlock = !inBlock
				continue
			}
			var snippets []string
			if inBlock {
				snippets = []string{line}
			} else {
				for _, m := range inlineCode.FindAllStringSubmatch(line, -1) {
					snippets = append(snippets, m[1])
				}
			}
			for _, s := range snippets {
				for _, cmdLine := range commandLines(s) {
					cmd, flags := resolve(root, cmdLine)
					for _, f := range flags {
						checked++
						if cmd == nil {
							continue
						}
						if !hasFlag(cmd, f) {
							t.Errorf("%s: `%s` names %s, which `%s` does not have", where, strings.TrimSpace(cmdLine), f, cmd.CommandPath())
						}
					}
				}
				if strings.Contains(s, "palisade ") {
					continue
				}
				for _, m := range docFlag.FindAllStringSubmatch(s, -1) {
					f := m[1]
					if _, other := notPalisadeFlags[f]; other || !strings.HasPrefix(strings.TrimSpace(s), "--") {
						continue
					}
					checked++
					if !all[strings.TrimPrefix(f, "--")] {
						t.Errorf("%s: %s is documented but no palisade command has it", where, f)
					}
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d flag mentions checked; is the doc parser broken?", checked)
	}
}

// commandLines returns each `palisade …` command in s, up to a comment, pipe or command separator.
func commandLines(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "palisade ")
		if i < 0 {
			return out
		}
		if i > 0 && !strings.ContainsAny(s[i-1:i], " \t$(/`") {
			s = s[i+len("palisade "):]
			continue
		}
		rest := s[i+len("palisade "):]
		end := len(rest)
		for _, sep := range []string{" #", "|", "&&", ";", "`", "→"} {
			if j := strings.Index(rest, sep); j >= 0 && j < end {
				end = j
			}
		}
		out = append(out, rest[:end])
		s = rest[end:]
	}
}

// resolve finds the subcommand a command line names and the long flags it passes; nil when the
// line does not start with a real subcommand (prose such as "palisade is …").
func resolve(root *cobra.Command, line string) (*cobra.Command, []string) {
	fields := strings.Fields(line)
	cmd := root
	i := 0
	for ; i < len(fields); i++ {
		next := findSub(cmd, fields[i])
		if next == nil {
			break
		}
		cmd = next
	}
	if cmd == root {
		return nil, nil
	}
	var flags []string
	for _, f := range fields[i:] {
		if m := leadingFlag.FindStringSubmatch(f); m != nil {
			flags = append(flags, m[1])
		}
	}
	return cmd, flags
}

func findSub(cmd *cobra.Command, name string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == name || slices.Contains(c.Aliases, name) {
			return c
		}
	}
	return nil
}

func hasFlag(cmd *cobra.Command, flag string) bool {
	name := strings.TrimPrefix(flag, "--")
	if name == "help" || name == "version" {
		return true
	}
	return cmd.Flags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil || cmd.PersistentFlags().Lookup(name) != nil
}

// allFlags is every long flag of every command in the tree.
func allFlags(root *cobra.Command) map[string]bool {
	out := map[string]bool{"help": true, "version": true}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { out[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { out[f.Name] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return out
}
