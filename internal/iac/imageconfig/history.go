package imageconfig

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/iac/dockerfile"
)

// instruction turns one history entry's created_by into the Dockerfile instruction that made it.
// The shapes are those of the classic builder ("/bin/sh -c #(nop)  ENV A=b", "/bin/sh -c make"
// for RUN, "#(nop) ADD file:… in /") and of BuildKit ("RUN |2 A=1 B=2 /bin/sh -c …", "ENV A=b",
// "EXPOSE map[22/tcp:{}]", "ADD https://… /x # buildkit"). Text in no known shape (docker commit,
// ko, Bazel) is treated as a RUN, so the checks that read command lines still see it. It also
// returns the build arguments a RUN recorded ("|2 A=1 B=2").
func instruction(createdBy string) (dockerfile.Instruction, [][2]string) {
	s := strings.TrimSpace(createdBy)
	s = strings.TrimSpace(strings.TrimSuffix(s, "# buildkit"))
	in := dockerfile.Instruction{Original: createdBy}
	var args [][2]string
	// The classic builder writes every step behind the shell it would run it with ("/bin/sh -c",
	// "cmd /S /C", a SHELL instruction's), metadata steps marked #(nop); a RUN that saw build
	// arguments starts with "|N".
	if m := shellRE().FindStringIndex(s); m != nil {
		if rest := strings.TrimSpace(s[m[1]:]); strings.HasPrefix(rest, "#(nop)") {
			s = strings.TrimSpace(strings.TrimPrefix(rest, "#(nop)"))
		} else {
			s = "RUN " + s
		}
	} else if strings.HasPrefix(s, "#(nop)") {
		s = strings.TrimSpace(strings.TrimPrefix(s, "#(nop)"))
	} else if strings.HasPrefix(s, "|") {
		s = "RUN " + s
	}
	kw, rest, _ := strings.Cut(s, " ")
	rest = strings.TrimSpace(rest)
	if !slices.Contains(keywords, kw) {
		kw, rest = "RUN", s
	}
	in.Cmd = kw
	switch kw {
	case "RUN":
		rest, args = buildArgs(rest)
		in.Args = []string{shellScript(rest)}
	case "ENV", "LABEL":
		for _, kv := range keyValues(rest) {
			in.Args = append(in.Args, kv[0], kv[1], "=")
		}
	case "EXPOSE":
		rest = strings.TrimSuffix(strings.TrimPrefix(rest, "map["), "]")
		for _, p := range strings.Fields(rest) {
			in.Args = append(in.Args, strings.TrimSuffix(p, ":{}"))
		}
	case "ADD", "COPY":
		if src, dst, ok := strings.Cut(rest, " in "); ok && !strings.HasPrefix(rest, "--") && !strings.Contains(src, " ") {
			in.Args = []string{src, strings.TrimSpace(dst)} // classic: "ADD file:abc in /dst"
			break
		}
		for _, a := range strings.Fields(rest) {
			if strings.HasPrefix(a, "--") && len(in.Args) == 0 {
				in.Flags = append(in.Flags, a)
			} else {
				in.Args = append(in.Args, a)
			}
		}
	case "ARG":
		in.Args = strings.Fields(rest)
	default:
		in.Args = []string{rest}
		in.JSON = strings.HasPrefix(rest, "[")
	}
	return in, args
}

// keywords are the Dockerfile instructions a history entry can start with.
var keywords = []string{
	"RUN", "ENV", "LABEL", "EXPOSE", "ADD", "COPY", "ARG", "USER", "HEALTHCHECK", "CMD", "ENTRYPOINT",
	"WORKDIR", "VOLUME", "SHELL", "STOPSIGNAL", "ONBUILD", "MAINTAINER",
}

// buildArgs splits the "|N A=1 B=2 " prefix both builders record before a RUN that saw build
// arguments. Values are written unquoted, so one with a space is cut at it: the rest stays in
// the command text, where the command-line checks still read it.
func buildArgs(s string) (string, [][2]string) {
	n, rest, ok := strings.Cut(s, " ")
	if !ok || !strings.HasPrefix(n, "|") {
		return s, nil
	}
	count, err := strconv.Atoi(n[1:])
	if err != nil || count < 0 {
		return s, nil
	}
	var out [][2]string
	for range count {
		word, after, _ := strings.Cut(strings.TrimLeft(rest, " "), " ")
		k, v, ok := strings.Cut(word, "=")
		if !ok {
			break // fewer arguments than counted: the command starts here
		}
		out = append(out, [2]string{k, v})
		rest = after
	}
	return rest, out
}

// shellScript drops the shell a RUN's text starts with ("/bin/sh -c ", "/bin/bash -o pipefail
// -c ", "cmd /S /C "), leaving the command it ran.
func shellScript(s string) string {
	if m := shellRE().FindStringIndex(s); m != nil {
		return s[m[1]:]
	}
	return s
}

var shellRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:(?:/usr)?/bin/(?:ba|da|z|a)?sh(?:\s+-[a-zA-Z]+(?:\s+pipefail)?)*\s+-c\s+|(?i:cmd)\s+/S\s+/C\s+|(?i:powershell)(?:\s+-\S+)*\s+-Command\s+)`)
})

// keyRE finds where the next NAME= of an ENV or LABEL pair starts.
var keyRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?:^|\s)([A-Za-z_][A-Za-z0-9_.\-/]*)=`)
})

// keyValues splits "A=1 B=two words C=\"x\"" into pairs; a value runs to the next NAME=, since
// the builders record values unquoted. The older "ENV A value" form is one pair.
func keyValues(s string) [][2]string {
	ms := keyRE().FindAllStringSubmatchIndex(s, -1)
	if len(ms) == 0 || strings.TrimSpace(s[:ms[0][0]]) != "" {
		if k, v, ok := strings.Cut(s, " "); ok {
			return [][2]string{{k, unquote(strings.TrimSpace(v))}}
		}
		return nil
	}
	var out [][2]string
	for i, m := range ms {
		end := len(s)
		if i+1 < len(ms) {
			end = ms[i+1][0]
		}
		out = append(out, [2]string{s[m[2]:m[3]], unquote(strings.TrimSpace(s[m[1]:end]))})
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
