// Package dockerfile checks Dockerfiles and Containerfiles. It parses them with BuildKit's own
// parser, so what it reads is what `docker build` reads (line continuations, heredocs, escape
// directives included), into a small typed model of stages and instructions that every check
// is written against.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// File is a parsed Dockerfile.
type File struct {
	// Path is slash-separated, relative to the scan root.
	Path string
	// Args are the ARG instructions before the first FROM.
	Args   []Instruction
	Stages []Stage
	// Built is set when the model was rebuilt from a built image's config and history (package
	// imageconfig) rather than parsed: what the final stage inherits from its base image (its
	// USER) is then already in it, and checks must not guess it from the base image's name.
	Built bool
}

// Stage is one FROM and the instructions under it.
type Stage struct {
	Index int
	// Image is the base image as written (variables unexpanded); Name is the AS name.
	Image string
	Name  string
	From  Instruction
	Body  []Instruction
}

// Instruction is one Dockerfile instruction.
type Instruction struct {
	// Cmd is the instruction keyword, upper-cased ("RUN").
	Cmd string
	// Args are the arguments as the parser split them; a shell-form RUN has one.
	Args []string
	// Flags are the --flags written after the keyword ("--platform=linux/amd64").
	Flags []string
	// Line and EndLine are 1-based; a continued instruction spans several lines.
	Line, EndLine int
	// Original is the instruction's source text, continuations joined.
	Original string
	// JSON is set for the exec (JSON array) form.
	JSON bool
	// Heredocs are the bodies of heredoc arguments (RUN <<EOF …).
	Heredocs []string
}

// Script returns the shell text a RUN executes: its arguments and heredoc bodies.
func (in Instruction) Script() string {
	return strings.Join(append(append([]string{}, in.Args...), in.Heredocs...), " ")
}

// Final returns the stage the image is built from: the last one.
func (f *File) Final() *Stage {
	if len(f.Stages) == 0 {
		return nil
	}
	return &f.Stages[len(f.Stages)-1]
}

// IsStageRef reports whether image names an earlier stage of f rather than a registry image.
func (f *File) IsStageRef(image string, before int) bool {
	for _, s := range f.Stages[:before] {
		if s.Name != "" && strings.EqualFold(s.Name, image) {
			return true
		}
	}
	return false
}

// Wants reports whether name is a Dockerfile or Containerfile by the usual naming conventions.
func Wants(name string) bool {
	base := strings.ToLower(path.Base(name))
	switch {
	case base == "dockerfile" || base == "containerfile":
		return true
	case strings.HasPrefix(base, "dockerfile.") || strings.HasPrefix(base, "containerfile."):
		return !strings.HasSuffix(base, ".dockerignore")
	case strings.HasSuffix(base, ".dockerfile") || strings.HasSuffix(base, ".containerfile"):
		return true
	}
	return false
}

// Error is a Dockerfile that does not parse, with the line BuildKit blames.
type Error struct {
	Path string
	Line int
	Err  error
}

// Error formats the error with the file and line.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("parse Dockerfile %s: line %d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("parse Dockerfile %s: %v", e.Path, e.Err)
}

// Unwrap returns the parser's error.
func (e *Error) Unwrap() error { return e.Err }

// Parse reads a Dockerfile into stages and instructions.
func Parse(name string, data []byte) (*File, error) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		e := &Error{Path: name, Err: err}
		var le *parser.LocationError
		if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
			e.Line = le.Locations[0][0].Start.Line
			e.Err = errors.Unwrap(le)
			if e.Err == nil {
				e.Err = err
			}
		}
		return nil, e
	}
	f := &File{Path: name}
	for _, n := range res.AST.Children {
		in := instruction(n)
		if in.Cmd == "FROM" {
			s := Stage{Index: len(f.Stages), From: in}
			if len(in.Args) > 0 {
				s.Image = in.Args[0]
			}
			if len(in.Args) >= 3 && strings.EqualFold(in.Args[1], "as") {
				s.Name = in.Args[2]
			}
			f.Stages = append(f.Stages, s)
			continue
		}
		if len(f.Stages) == 0 {
			if in.Cmd == "ARG" {
				f.Args = append(f.Args, in)
			}
			continue
		}
		last := &f.Stages[len(f.Stages)-1]
		last.Body = append(last.Body, in)
	}
	return f, nil
}

func instruction(n *parser.Node) Instruction {
	in := Instruction{
		Cmd:      strings.ToUpper(n.Value),
		Flags:    n.Flags,
		Line:     n.StartLine,
		EndLine:  n.EndLine,
		Original: n.Original,
		JSON:     n.Attributes["json"],
	}
	for a := n.Next; a != nil; a = a.Next {
		in.Args = append(in.Args, a.Value)
	}
	for _, h := range n.Heredocs {
		in.Heredocs = append(in.Heredocs, h.Content)
	}
	return in
}

// KeyValues returns the name/value pairs of an ENV, ARG or LABEL instruction. ARG without a
// default has an empty value.
func (in Instruction) KeyValues() [][2]string {
	var out [][2]string
	switch in.Cmd {
	case "ENV", "LABEL":
		// The parser emits name, value, separator triples.
		for i := 0; i+1 < len(in.Args); i += 3 {
			out = append(out, [2]string{in.Args[i], unquote(in.Args[i+1])})
		}
	case "ARG":
		for _, a := range in.Args {
			k, v, _ := strings.Cut(a, "=")
			out = append(out, [2]string{k, unquote(v)})
		}
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
