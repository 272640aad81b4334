// Package terraform loads Terraform configurations (HCL) into the normalised AWS model of package
// aws. A directory is one module: its variables (defaults, then terraform.tfvars and
// *.auto.tfvars) and locals are evaluated, so `encrypted = var.encrypt` is judged by the value it
// will have; references to other resources' attributes stay unknown and are never flagged.
// Settings that the AWS provider splits into separate resources (S3 versioning, encryption,
// logging, public access block) are merged into the bucket they name.
package terraform

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/aws"
)

// Wants reports whether name is a Terraform configuration or variables file.
func Wants(name string) bool {
	return strings.HasSuffix(name, ".tf") || strings.HasSuffix(name, ".tfvars")
}

// Modules groups files by directory: each directory is one module.
func Modules(files []string) map[string][]string {
	out := map[string][]string{}
	for _, f := range files {
		if Wants(f) {
			out[path.Dir(f)] = append(out[path.Dir(f)], f)
		}
	}
	return out
}

// module is one directory's parsed files.
type module struct {
	bodies  []*hclsyntax.Body
	files   []string
	tfvars  []*hclsyntax.Body
	ctx     *hcl.EvalContext
	problem []finding.Problem
	// parts and bucketNames link S3 settings on separate resources to their buckets.
	parts       []s3Part
	bucketNames map[string]string
}

// maxModuleDepth bounds nested local module calls (and cycles between them).
const maxModuleDepth = 8

// LoadModule loads the module in directory dir of modules (as Modules groups files) into m, and
// follows its calls of local modules (source = "./…" or "../…"): each called module is loaded
// again with the call's arguments as its variables, so an insecure value passed by the caller is
// judged where the resource is written. Findings the called module also has on its own share
// their fingerprints, so a caller deduplicates them.
func LoadModule(ctx context.Context, fsys fs.FS, modules map[string][]string, dir string, m *aws.Model) []finding.Problem {
	budget := maxModuleLoads
	return loadModule(ctx, fsys, modules, dir, nil, m, map[string]bool{}, &budget)
}

// maxModuleLoads bounds how many module instances one root expands, so a hostile tree of calls
// cannot make the work grow exponentially.
const maxModuleLoads = 256

// loadModule loads dir; stack holds the directories on the current call path (a module calling
// itself, directly or not, is not followed again).
func loadModule(ctx context.Context, fsys fs.FS, modules map[string][]string, dir string, args map[string]cty.Value, m *aws.Model, stack map[string]bool, budget *int) []finding.Problem {
	*budget--
	stack[dir] = true
	defer delete(stack, dir)
	depth := len(stack) - 1
	files := slices.Clone(modules[dir])
	mod := &module{bucketNames: map[string]string{}}
	sort.Strings(files)
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return mod.problem
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			mod.problem = append(mod.problem, finding.Problem{Path: name, Kind: finding.ProblemRead, Scanner: "iac", Message: fmt.Sprintf("read: %v", err)})
			continue
		}
		mod.parse(name, data)
	}
	if depth > 0 {
		mod.problem = nil // reported when the module's own directory is loaded
	}
	mod.evalContext(args)
	for i, body := range mod.bodies {
		for _, b := range body.Blocks {
			switch {
			case b.Type == "resource" && len(b.Labels) == 2:
				mod.resource(m, mod.files[i], b.Labels[0], b.Labels[0]+"."+b.Labels[1], block{b: b, ctx: mod.ctx})
			case b.Type == "data" && len(b.Labels) == 2 && b.Labels[0] == "aws_iam_policy_document":
				mod.policyDocument(m, mod.files[i], "data.aws_iam_policy_document."+b.Labels[1], block{b: b, ctx: mod.ctx})
			case b.Type == "module" && len(b.Labels) == 1 && depth < maxModuleDepth:
				callee, callArgs, ok := mod.localCall(dir, b)
				if ok && len(modules[callee]) > 0 && !stack[callee] && *budget > 0 {
					mod.problem = append(mod.problem, loadModule(ctx, fsys, modules, callee, callArgs, m, stack, budget)...)
				}
			}
		}
	}
	mod.merge(m)
	return mod.problem
}

// localCall resolves a module call with a local source to its directory and argument values.
func (mod *module) localCall(dir string, b *hclsyntax.Block) (string, map[string]cty.Value, bool) {
	src, ok := b.Body.Attributes["source"]
	if !ok {
		return "", nil, false
	}
	v, d := src.Expr.Value(mod.ctx)
	if d.HasErrors() || !known(v) || v.Type() != cty.String {
		return "", nil, false
	}
	s := v.AsString()
	if !strings.HasPrefix(s, "./") && !strings.HasPrefix(s, "../") {
		return "", nil, false // registry and remote modules are not fetched
	}
	callee := path.Join(dir, s)
	if callee == ".." || strings.HasPrefix(callee, "../") {
		return "", nil, false // outside the scan root
	}
	args := map[string]cty.Value{}
	for name, a := range b.Body.Attributes {
		switch name {
		case "source", "version", "count", "for_each", "providers", "depends_on":
			continue
		}
		av, d := a.Expr.Value(mod.ctx)
		if d.HasErrors() {
			av = cty.DynamicVal
		}
		args[name] = av
	}
	return callee, args, true
}

func (mod *module) parse(name string, data []byte) {
	f, diags := hclsyntax.ParseConfig(data, name, hcl.InitialPos)
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		p := finding.Problem{Path: name, Kind: finding.ProblemParse, Scanner: "iac", Message: "parse HCL: " + d.Summary}
		if d.Detail != "" {
			p.Message += ": " + d.Detail
		}
		if d.Subject != nil {
			p.Line = d.Subject.Start.Line
		}
		mod.problem = append(mod.problem, p)
	}
	if f == nil {
		return
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return
	}
	if strings.HasSuffix(name, ".tfvars") {
		// Terraform loads terraform.tfvars, then *.auto.tfvars; other files only on request.
		switch base := path.Base(name); {
		case base == "terraform.tfvars":
			mod.tfvars = append([]*hclsyntax.Body{body}, mod.tfvars...)
		case strings.HasSuffix(base, ".auto.tfvars"):
			mod.tfvars = append(mod.tfvars, body)
		}
		return
	}
	mod.bodies = append(mod.bodies, body)
	mod.files = append(mod.files, name)
}

// functions are the Terraform functions evaluated here; others leave the value unknown.
func functions() map[string]function.Function {
	return map[string]function.Function{
		"upper": stdlib.UpperFunc, "lower": stdlib.LowerFunc, "join": stdlib.JoinFunc, "split": stdlib.SplitFunc,
		"concat": stdlib.ConcatFunc, "format": stdlib.FormatFunc, "merge": stdlib.MergeFunc, "lookup": stdlib.LookupFunc,
		"jsonencode": stdlib.JSONEncodeFunc, "jsondecode": stdlib.JSONDecodeFunc, "element": stdlib.ElementFunc,
		"length": stdlib.LengthFunc, "coalesce": stdlib.CoalesceFunc, "trimspace": stdlib.TrimSpaceFunc,
		"replace": stdlib.ReplaceFunc, "contains": stdlib.ContainsFunc, "flatten": stdlib.FlattenFunc,
		"distinct": stdlib.DistinctFunc, "keys": stdlib.KeysFunc, "values": stdlib.ValuesFunc, "min": stdlib.MinFunc,
		"max": stdlib.MaxFunc, "tostring": function.New(&function.Spec{Params: []function.Parameter{{Name: "v", Type: cty.String, AllowNull: true}}, Type: function.StaticReturnType(cty.String), Impl: func(a []cty.Value, _ cty.Type) (cty.Value, error) { return a[0], nil }}),
	}
}

// evalContext evaluates variables (defaults overridden by tfvars) and locals. Locals may refer
// to each other; they are evaluated in rounds until nothing changes.
func (mod *module) evalContext(args map[string]cty.Value) {
	vars := map[string]cty.Value{}
	base := &hcl.EvalContext{Functions: functions()}
	for _, body := range mod.bodies {
		for _, b := range body.Blocks {
			if b.Type != "variable" || len(b.Labels) != 1 {
				continue
			}
			vars[b.Labels[0]] = cty.DynamicVal
			if a, ok := b.Body.Attributes["default"]; ok {
				if v, d := a.Expr.Value(base); !d.HasErrors() {
					vars[b.Labels[0]] = v
				}
			}
		}
	}
	for _, body := range mod.tfvars {
		for name, a := range body.Attributes {
			if v, d := a.Expr.Value(base); !d.HasErrors() {
				vars[name] = v
			}
		}
	}
	for name, v := range args {
		vars[name] = v // a module call's arguments win over defaults
	}
	locals := map[string]cty.Value{}
	var exprs []*hclsyntax.Attribute
	for _, body := range mod.bodies {
		for _, b := range body.Blocks {
			if b.Type == "locals" {
				for name, a := range b.Body.Attributes {
					locals[name] = cty.DynamicVal
					exprs = append(exprs, &hclsyntax.Attribute{Name: name, Expr: a.Expr})
				}
			}
		}
	}
	mod.ctx = &hcl.EvalContext{Functions: base.Functions, Variables: map[string]cty.Value{"var": cty.ObjectVal(vars), "local": cty.ObjectVal(locals)}}
	for round := 0; round < 4 && len(exprs) > 0; round++ {
		changed := false
		for _, a := range exprs {
			v, d := a.Expr.Value(mod.ctx)
			if d.HasErrors() || !v.IsWhollyKnown() {
				continue
			}
			if old := locals[a.Name]; old.IsKnown() && old.RawEquals(v) {
				continue
			}
			locals[a.Name] = v
			changed = true
		}
		mod.ctx.Variables["local"] = cty.ObjectVal(locals)
		if !changed {
			break
		}
	}
}

// attrs is one resource (or nested block) whose attributes the model mapping reads: an HCL
// block evaluated in its module, or a resource's values in a plan.
type attrs interface {
	// line is the first line of the block, 0 when unknown.
	line() int
	// value returns attribute name; ok is false when it is not written.
	value(name string) (v cty.Value, line int, ok bool)
	// blocks returns the nested blocks of a type.
	blocks(typ string) []attrs
	// refs returns the resource addresses ("aws_s3_bucket.logs") attribute name refers to.
	refs(name string) []string
}

// block reads one HCL block's attributes in the module's evaluation context.
type block struct {
	b   *hclsyntax.Block
	ctx *hcl.EvalContext
}

func (k block) line() int { return k.b.DefRange().Start.Line }

func (k block) value(name string) (v cty.Value, line int, ok bool) {
	a, ok := k.b.Body.Attributes[name]
	if !ok {
		return cty.NilVal, 0, false
	}
	v, d := a.Expr.Value(k.ctx)
	if d.HasErrors() {
		v = cty.DynamicVal
	}
	return v, a.SrcRange.Start.Line, true
}

func (k block) blocks(typ string) []attrs {
	var out []attrs
	for _, b := range k.b.Body.Blocks {
		if b.Type == typ {
			out = append(out, block{b: b, ctx: k.ctx})
		}
	}
	return out
}

// known reports whether v is a usable, fully known, non-null value.
func known(v cty.Value) bool { return v != cty.NilVal && v.IsWhollyKnown() && !v.IsNull() }

func str(k attrs, name string) (string, int, bool) {
	v, line, ok := k.value(name)
	if !ok || !known(v) {
		return "", line, false
	}
	if v.Type() == cty.String {
		return v.AsString(), line, true
	}
	if s, err := convert.Convert(v, cty.String); err == nil && known(s) {
		return s.AsString(), line, true
	}
	return "", line, false
}

// boolean reads a bool attribute into the tri-state model Bool, recording its line on ref.
func boolean(k attrs, name string, ref *aws.Ref, field string) aws.Bool {
	v, line, ok := k.value(name)
	if !ok {
		return aws.Unset
	}
	ref.Set(field, line)
	if !known(v) {
		if v != cty.NilVal && v.IsKnown() && v.IsNull() {
			return aws.Unset
		}
		return aws.Unknown
	}
	switch {
	case v.Type() == cty.Bool:
		return aws.BoolOf(v.True())
	case v.Type() == cty.String:
		switch strings.ToLower(v.AsString()) {
		case "true":
			return aws.True
		case "false":
			return aws.False
		}
	}
	return aws.Unknown
}

func num(k attrs, name string) (int, int, bool) {
	v, line, ok := k.value(name)
	if !ok || !known(v) || v.Type() != cty.Number {
		return 0, line, false
	}
	i, _ := v.AsBigFloat().Int64()
	return int(i), line, true
}

func strList(k attrs, name string) ([]string, int) {
	v, line, ok := k.value(name)
	if !ok || !known(v) || !(v.Type().IsListType() || v.Type().IsSetType() || v.Type().IsTupleType()) {
		return nil, line
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if known(e) && e.Type() == cty.String {
			out = append(out, e.AsString())
		}
	}
	return out, line
}

func (k block) refs(name string) []string {
	a, ok := k.b.Body.Attributes[name]
	if !ok {
		return nil
	}
	var out []string
	for _, t := range a.Expr.Variables() {
		if len(t) >= 2 {
			if attr, ok := t[1].(hcl.TraverseAttr); ok {
				out = append(out, t.RootName()+"."+attr.Name)
			}
		}
	}
	return out
}
