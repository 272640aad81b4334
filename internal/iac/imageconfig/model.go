package imageconfig

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/iac/dockerfile"
)

// The OCI annotation keys (also used as labels) that name the image an image was built on.
const (
	BaseNameKey   = "org.opencontainers.image.base.name"
	BaseDigestKey = "org.opencontainers.image.base.digest"
)

// model is a built image seen as the one-stage Dockerfile that would have made it, so that the
// Dockerfile checks run over it unchanged. Line i+1 of the model is history entry i; the lines
// after the history stand for fields of the config that no history entry explains (a squashed
// or rewritten history, a config set by a tool that records none).
type model struct {
	file *dockerfile.File
	// fields[k] is the config field of line len(history)+1+k.
	fields  []string
	history []History
	// fromLine is the FROM line: what the image inherits as a whole (its base, its defaults).
	fromLine int
	// baseFrom says where the base reference came from ("" when unknown).
	baseFrom string
}

// where returns what a model line stands for: a history index, or (-1 and) a config field.
func (m *model) where(line int) (int, string) {
	if i := line - 1; i >= 0 && i < len(m.history) {
		return i, ""
	}
	if k := line - 1 - len(m.history); k >= 0 && k < len(m.fields) {
		return -1, m.fields[k]
	}
	return -1, "config"
}

// synthetic adds a line standing for a config field and returns its number.
func (m *model) synthetic(field string) int {
	m.fields = append(m.fields, field)
	return len(m.history) + len(m.fields)
}

// build reconstructs the model. The config's final User, Env, ExposedPorts, Healthcheck, Cmd,
// Entrypoint and Labels are authoritative: where the history agrees, findings point at the step
// that set the value; where it is silent, at the config field.
func build(img *Image, annotations map[string]string) *model {
	m := &model{history: img.History}
	body, lastUser, lastHealth := m.steps(img.Config.User)
	cfg := img.Config
	if cfg.User != "" {
		line := lastUser + 1
		if lastUser < 0 {
			line = m.synthetic("config.User")
		}
		body = append(body, dockerfile.Instruction{Cmd: "USER", Args: []string{cfg.User}, Line: line, EndLine: line, Original: "USER " + cfg.User})
	}
	if cfg.Healthcheck.enabled() {
		line := lastHealth + 1
		if lastHealth < 0 {
			line = m.synthetic("config.Healthcheck")
		}
		body = append(body, dockerfile.Instruction{Cmd: "HEALTHCHECK", Args: cfg.Healthcheck.Test, Line: line, EndLine: line})
	}
	body = append(body, m.command("CMD", "config.Cmd", cfg.Cmd, body)...)
	body = append(body, m.command("ENTRYPOINT", "config.Entrypoint", cfg.Entrypoint, body)...)
	body = append(body, m.exposes(cfg.ExposedPorts)...)
	body = append(body, m.uncovered("ENV", "config.Env", envPairs(cfg.Env), body)...)
	body = append(body, m.uncovered("LABEL", "config.Labels", labelPairs(cfg.Labels), body)...)

	m.fromLine = m.synthetic("config")
	base := baseRef(annotations, cfg.Labels, &m.baseFrom)
	m.file = &dockerfile.File{Built: true, Stages: []dockerfile.Stage{{
		Image: base,
		From:  dockerfile.Instruction{Cmd: "FROM", Args: []string{base}, Line: m.fromLine, EndLine: m.fromLine},
		Body:  body,
	}}}
	return m
}

// steps reads the history into instructions. USER, HEALTHCHECK and EXPOSE steps are left out —
// the config says what holds, and build adds it back at the step that set it — but the index of
// the last USER step that set user and of the last HEALTHCHECK step are returned for that.
func (m *model) steps(user string) (body []dockerfile.Instruction, lastUser, lastHealth int) {
	lastUser, lastHealth = -1, -1
	seenArg := map[[2]string]bool{}
	for i, h := range m.history {
		in, args := instruction(h.CreatedBy)
		in.Line, in.EndLine = i+1, i+1
		for _, a := range args {
			// A build argument recorded empty leaked nothing; each one that holds a value is
			// one ARG, at the first step that recorded it.
			if a[1] != "" && !seenArg[a] {
				seenArg[a] = true
				body = append(body, dockerfile.Instruction{Cmd: "ARG", Args: []string{a[0] + "=" + a[1]}, Line: i + 1, EndLine: i + 1, Original: h.CreatedBy})
			}
		}
		switch in.Cmd {
		case "USER":
			if len(in.Args) > 0 && in.Args[0] == user {
				lastUser = i
			}
			continue
		case "HEALTHCHECK":
			lastHealth = i
			continue
		case "EXPOSE":
			continue
		}
		body = append(body, in)
	}
	return body, lastUser, lastHealth
}

// exposes returns the config's ports as EXPOSE instructions, one per place: the history step
// that last exposed a port, or the config field for ports no step explains.
func (m *model) exposes(ports map[string]struct{}) []dockerfile.Instruction {
	stepOf := map[string]int{}
	for i, h := range m.history {
		if in, _ := instruction(h.CreatedBy); in.Cmd == "EXPOSE" {
			for _, a := range in.Args {
				stepOf[normPort(a)] = i + 1
			}
		}
	}
	byLine := map[int][]string{}
	for _, p := range sortedKeys(ports) {
		line, ok := stepOf[normPort(p)]
		if !ok {
			line = -1
		}
		byLine[line] = append(byLine[line], p)
	}
	var out []dockerfile.Instruction
	for _, line := range slices.Sorted(maps.Keys(byLine)) {
		args := byLine[line]
		if line < 0 {
			line = m.synthetic("config.ExposedPorts")
		}
		out = append(out, dockerfile.Instruction{Cmd: "EXPOSE", Args: args, Line: line, EndLine: line, Original: "EXPOSE " + strings.Join(args, " ")})
	}
	return out
}

// command returns the config's CMD or ENTRYPOINT as an instruction at its field when the last
// history step of that kind does not hold it (a squashed history, docker commit --change).
func (m *model) command(cmd, field string, args []string, body []dockerfile.Instruction) []dockerfile.Instruction {
	if len(args) == 0 {
		return nil
	}
	for i := len(body) - 1; i >= 0; i-- {
		if body[i].Cmd == cmd {
			text := strings.Join(body[i].Args, " ")
			if !slices.ContainsFunc(args, func(a string) bool { return !strings.Contains(text, a) }) {
				return nil
			}
			break
		}
	}
	line := m.synthetic(field)
	return []dockerfile.Instruction{{Cmd: cmd, Args: args, JSON: true, Line: line, EndLine: line, Original: field}}
}

// normPort writes "22" as "22/tcp" (a port without a protocol is TCP), so the history's and the
// config's spellings compare equal.
func normPort(s string) string {
	if !strings.Contains(s, "/") {
		return s + "/tcp"
	}
	return strings.ToLower(s)
}

// uncovered returns an instruction for each config pair no history instruction of cmd set to
// the same value, at one synthetic line for field.
func (m *model) uncovered(cmd, field string, pairs [][2]string, body []dockerfile.Instruction) []dockerfile.Instruction {
	have := map[[2]string]bool{}
	for _, in := range body {
		if in.Cmd == cmd {
			for _, kv := range in.KeyValues() {
				have[kv] = true
			}
		}
	}
	var args []string
	for _, kv := range pairs {
		if !have[kv] {
			args = append(args, kv[0], kv[1], "=")
		}
	}
	if len(args) == 0 {
		return nil
	}
	line := m.synthetic(field)
	return []dockerfile.Instruction{{Cmd: cmd, Args: args, Line: line, EndLine: line, Original: field}}
}

func envPairs(env []string) [][2]string {
	out := make([][2]string, 0, len(env))
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		out = append(out, [2]string{k, v})
	}
	return out
}

func labelPairs(labels map[string]string) [][2]string {
	out := make([][2]string, 0, len(labels))
	for _, k := range sortedKeys(labels) {
		out = append(out, [2]string{k, labels[k]})
	}
	return out
}

// baseRef returns the image the image says it was built on, name@digest when both are known,
// from the manifest's annotations first and the config's labels second; from records which.
func baseRef(annotations, labels map[string]string, from *string) string {
	for _, src := range []struct {
		kv   map[string]string
		name string
	}{{annotations, "annotations"}, {labels, "config.Labels"}} {
		name := strings.TrimSpace(src.kv[BaseNameKey])
		if name == "" {
			continue
		}
		*from = fmt.Sprintf("%s[%s]", src.name, BaseNameKey)
		if d := strings.TrimSpace(src.kv[BaseDigestKey]); d != "" && !strings.Contains(name, "@") {
			name += "@" + d
		}
		return name
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
