package terraform

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/zclconf/go-cty/cty"
	"go.yaml.in/yaml/v3"

	"github.com/palisade-sec/palisade/internal/config/strictyaml"
	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/aws"
	"github.com/palisade-sec/palisade/internal/iac/yamlpos"
)

// IsPlan is a cheap pre-check on raw bytes: `terraform show -json` output has planned_values.
func IsPlan(data []byte) bool {
	return bytes.Contains(data, []byte(`"planned_values"`)) && bytes.Contains(data, []byte(`"format_version"`))
}

// LoadPlan reads the planned values of a Terraform plan in JSON (`terraform show -json plan`)
// into m: every resource of the root and child modules, with the values Terraform computed —
// module arguments, count and for_each already applied. Values known only after apply are
// unknown. ok is false when data is not a plan.
func LoadPlan(name string, data []byte, m *aws.Model) (ok bool, problems []finding.Problem) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		line, msg, _ := strictyaml.ErrorLine(err)
		return IsPlan(data), []finding.Problem{{Path: name, Line: line, Kind: finding.ProblemParse, Scanner: "iac", Message: "parse Terraform plan: " + msg}}
	}
	if len(doc.Content) == 0 {
		return false, nil
	}
	root := doc.Content[0]
	_, pv := yamlpos.Lookup(root, "planned_values")
	if pv == nil {
		return false, nil
	}
	unknown := map[string]*yaml.Node{}
	if _, rc := yamlpos.Lookup(root, "resource_changes"); rc != nil {
		for _, c := range rc.Content {
			_, addr := yamlpos.Lookup(c, "address")
			_, change := yamlpos.Lookup(c, "change")
			_, au := yamlpos.Lookup(change, "after_unknown")
			if addr != nil && au != nil {
				unknown[addr.Value] = au
			}
		}
	}
	mod := &module{bucketNames: map[string]string{}}
	_, rm := yamlpos.Lookup(pv, "root_module")
	mod.planModule(m, name, rm, unknown, 0)
	mod.merge(m)
	return true, mod.problem
}

func (mod *module) planModule(m *aws.Model, file string, n *yaml.Node, unknown map[string]*yaml.Node, depth int) {
	if n == nil || depth > 64 {
		return
	}
	_, rs := yamlpos.Lookup(n, "resources")
	if rs != nil {
		for _, r := range rs.Content {
			_, mode := yamlpos.Lookup(r, "mode")
			_, typ := yamlpos.Lookup(r, "type")
			_, addr := yamlpos.Lookup(r, "address")
			_, values := yamlpos.Lookup(r, "values")
			if typ == nil || addr == nil || values == nil || (mode != nil && mode.Value != "managed") {
				continue
			}
			k := planAttrs{n: values, unknown: unknown[addr.Value], at: r.Line}
			mod.resource(m, file, typ.Value, addr.Value, k)
		}
	}
	if _, cms := yamlpos.Lookup(n, "child_modules"); cms != nil {
		for _, c := range cms.Content {
			mod.planModule(m, file, c, unknown, depth+1)
		}
	}
}

// planAttrs reads one resource's (or nested block's) planned values.
type planAttrs struct {
	n       *yaml.Node
	unknown *yaml.Node // after_unknown: true where the value is computed at apply
	at      int
}

func (p planAttrs) line() int { return p.at }

func (p planAttrs) value(name string) (cty.Value, int, bool) {
	if _, u := yamlpos.Lookup(p.unknown, name); u != nil && u.Kind == yaml.ScalarNode && u.Value == "true" {
		k, _ := yamlpos.Lookup(p.n, name)
		line := p.at
		if k != nil {
			line = k.Line
		}
		return cty.DynamicVal, line, true
	}
	k, v := yamlpos.Lookup(p.n, name)
	if v == nil {
		return cty.NilVal, 0, false
	}
	return toCty(v, 0), k.Line, true
}

func (p planAttrs) blocks(typ string) []attrs {
	_, v := yamlpos.Lookup(p.n, typ)
	if v == nil || v.Kind != yaml.SequenceNode {
		return nil
	}
	_, u := yamlpos.Lookup(p.unknown, typ)
	var out []attrs
	for i, it := range v.Content {
		if it.Kind != yaml.MappingNode {
			continue
		}
		var ui *yaml.Node
		if u != nil && u.Kind == yaml.SequenceNode && i < len(u.Content) {
			ui = u.Content[i]
		}
		out = append(out, planAttrs{n: it, unknown: ui, at: it.Line})
	}
	return out
}

// refs is empty: a plan holds values, not references. Separate S3 resources are matched to their
// bucket by name instead.
func (p planAttrs) refs(string) []string { return nil }

// toCty converts a JSON value node into a cty value.
func toCty(n *yaml.Node, depth int) cty.Value {
	if n == nil || depth > 64 {
		return cty.DynamicVal
	}
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return cty.NullVal(cty.DynamicPseudoType)
		case "!!bool":
			return cty.BoolVal(n.Value == "true")
		case "!!int", "!!float":
			if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
				return cty.NumberFloatVal(f)
			}
		}
		return cty.StringVal(n.Value)
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return cty.EmptyTupleVal
		}
		vs := make([]cty.Value, 0, len(n.Content))
		for _, c := range n.Content {
			vs = append(vs, toCty(c, depth+1))
		}
		return cty.TupleVal(vs)
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			return cty.EmptyObjectVal
		}
		m := make(map[string]cty.Value, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = toCty(n.Content[i+1], depth+1)
		}
		return cty.ObjectVal(m)
	}
	return cty.DynamicVal
}
