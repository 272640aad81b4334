// Package cloudformation loads CloudFormation templates (YAML with the !Ref, !Sub, !GetAtt …
// short forms, or JSON) into the normalised AWS model of package aws. !Ref to a parameter
// resolves to the parameter's default; other intrinsic functions are unknown values, which the
// checks never flag. Field lines come from the template's YAML nodes.
package cloudformation

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-sec/palisade/internal/config/strictyaml"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/aws"
	"github.com/palisade-sec/palisade/internal/iac/yamlpos"
)

// unknown is the value of an intrinsic function that cannot be resolved statically.
type unknown struct{}

// IsTemplate reports whether a YAML or JSON document is a CloudFormation template: it declares
// AWSTemplateFormatVersion, or Resources whose entries have an AWS:: Type.
func IsTemplate(root *yaml.Node) bool {
	if k, _ := yamlpos.Lookup(root, "AWSTemplateFormatVersion"); k != nil {
		return true
	}
	_, res := yamlpos.Lookup(root, "Resources")
	if res == nil || res.Kind != yaml.MappingNode {
		return false
	}
	for i := 1; i < len(res.Content); i += 2 {
		if _, t := yamlpos.Lookup(res.Content[i], "Type"); t != nil && strings.HasPrefix(t.Value, "AWS::") {
			return true
		}
	}
	return false
}

// Sniff is a cheap pre-check on raw bytes before parsing.
func Sniff(data []byte) bool {
	return bytes.Contains(data, []byte("AWSTemplateFormatVersion")) || bytes.Contains(data, []byte("AWS::"))
}

// Load parses a template into m. ok is false when the file is not a CloudFormation template.
func Load(name string, data []byte, m *aws.Model) (ok bool, problems []finding.Problem) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		line, msg, _ := strictyaml.ErrorLine(err)
		return Sniff(data), []finding.Problem{{Path: name, Line: line, Kind: finding.ProblemParse, Scanner: "iac", Message: "parse CloudFormation template: " + msg}}
	}
	if len(doc.Content) == 0 || !IsTemplate(doc.Content[0]) {
		return false, nil
	}
	root := doc.Content[0]
	t := &template{file: name, params: map[string]any{}}
	if _, ps := yamlpos.Lookup(root, "Parameters"); ps != nil && ps.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(ps.Content); i += 2 {
			if _, d := yamlpos.Lookup(ps.Content[i+1], "Default"); d != nil {
				t.params[ps.Content[i].Value] = t.value(d)
			}
		}
	}
	_, res := yamlpos.Lookup(root, "Resources")
	if res == nil || res.Kind != yaml.MappingNode {
		return true, nil
	}
	t.resources = make(map[string]bool, len(res.Content)/2)
	for i := 0; i+1 < len(res.Content); i += 2 {
		t.resources[res.Content[i].Value] = true
	}
	for i := 0; i+1 < len(res.Content); i += 2 {
		key, body := res.Content[i], res.Content[i+1]
		if strings.HasPrefix(key.Value, "Fn::") {
			continue // a language-extension macro (Fn::ForEach) expands into resources at deploy time
		}
		_, typ := yamlpos.Lookup(body, "Type")
		if typ == nil {
			t.problems = append(t.problems, finding.Problem{Path: name, Line: key.Line, Kind: finding.ProblemParse, Scanner: "iac", Message: fmt.Sprintf("resource %s has no Type", key.Value)})
			continue
		}
		_, props := yamlpos.Lookup(body, "Properties")
		p := node{t: t, n: props}
		ref := aws.Ref{File: name, Address: key.Value, Line: key.Line}
		t.resource(m, typ.Value, p, ref)
	}
	return true, t.problems
}

type template struct {
	file     string
	params   map[string]any
	problems []finding.Problem
	// resources are the template's logical IDs, to tell a Ref to a resource from one to a parameter.
	resources map[string]bool
}

// value converts a node into plain data, resolving !Ref to parameter defaults; other
// intrinsics become unknown{}.
func (t *template) value(n *yaml.Node) any {
	if n == nil {
		return nil
	}
	for i := 0; n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		if n.Tag == "!Ref" && n.Kind == yaml.ScalarNode {
			return t.ref(n.Value)
		}
		return unknown{}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!bool":
			return strings.EqualFold(n.Value, "true")
		case "!!int", "!!float":
			f, err := strconv.ParseFloat(n.Value, 64)
			if err != nil {
				return n.Value
			}
			return f
		case "!!null":
			return nil
		}
		return n.Value
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, t.value(c))
		}
		return out
	case yaml.MappingNode:
		if len(n.Content) == 2 {
			k := n.Content[0].Value
			if k == "Ref" {
				return t.ref(n.Content[1].Value)
			}
			if strings.HasPrefix(k, "Fn::") {
				return unknown{}
			}
		}
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = t.value(n.Content[i+1])
		}
		return out
	}
	return nil
}

func (t *template) ref(name string) any {
	if v, ok := t.params[name]; ok {
		return v
	}
	if name == "AWS::NoValue" {
		return nil
	}
	return unknown{}
}

// node reads properties of one resource.
type node struct {
	t *template
	n *yaml.Node
}

func (p node) get(path ...string) *yaml.Node {
	n := p.n
	for _, k := range path {
		_, n = yamlpos.Lookup(n, k)
		if n == nil {
			return nil
		}
	}
	return n
}

func (p node) line(path ...string) int {
	if p.n == nil {
		return 0
	}
	if p.get(path...) == nil {
		return 0
	}
	return yamlpos.Line(p.n, yamlpos.Path{}.Field(path...))
}

func (p node) val(path ...string) any { return p.t.value(p.get(path...)) }

func (p node) str(path ...string) (string, bool) {
	switch v := p.val(path...).(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func (p node) num(path ...string) (int, bool) {
	switch v := p.val(path...).(type) {
	case float64:
		return int(v), true
	case string:
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	return 0, false
}

// boolean reads a bool property, accepting "true"/"false" strings as CloudFormation does.
func (p node) boolean(ref *aws.Ref, field string, path ...string) aws.Bool {
	if p.get(path...) == nil {
		return aws.Unset
	}
	ref.Set(field, p.line(path...))
	switch v := p.val(path...).(type) {
	case bool:
		return aws.BoolOf(v)
	case string:
		switch strings.ToLower(v) {
		case "true":
			return aws.True
		case "false":
			return aws.False
		}
	case nil:
		return aws.Unset
	}
	return aws.Unknown
}

// present says whether a property is written with a non-empty value.
func (p node) present(ref *aws.Ref, field string, path ...string) aws.Bool {
	if p.get(path...) == nil {
		return aws.Unset
	}
	ref.Set(field, p.line(path...))
	switch v := p.val(path...).(type) {
	case nil:
		return aws.Unset
	case string:
		return aws.BoolOf(v != "")
	}
	return aws.True
}

func (p node) list(path ...string) []node {
	n := p.get(path...)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]node, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, node{t: p.t, n: c})
	}
	return out
}

func (p node) strList(path ...string) []string {
	var out []string
	switch v := p.val(path...).(type) {
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	case string:
		out = append(out, v)
	}
	return out
}

// statements reads a policy document written as YAML/JSON data or as a JSON string.
func (p node) statements(path ...string) ([]aws.Statement, bool) {
	doc := p.get(path...)
	if doc == nil {
		return nil, false
	}
	if doc.Kind == yaml.ScalarNode {
		st, err := aws.ParsePolicy(doc.Value, doc.Line)
		if err != nil {
			p.t.problems = append(p.t.problems, finding.Problem{Path: p.t.file, Line: doc.Line, Kind: finding.ProblemParse, Scanner: "iac", Message: err.Error()})
			return nil, false
		}
		return st, true
	}
	d := node{t: p.t, n: doc}
	sn := d.get("Statement")
	if sn == nil {
		return nil, true
	}
	items := []*yaml.Node{sn}
	if sn.Kind == yaml.SequenceNode {
		items = sn.Content
	}
	var out []aws.Statement
	for _, it := range items {
		m, ok := p.t.value(it).(map[string]any)
		if !ok {
			continue
		}
		out = append(out, aws.StatementFrom(m, it.Line))
	}
	return out, true
}
