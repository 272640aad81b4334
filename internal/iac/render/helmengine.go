package render

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"

	"github.com/BurntSushi/toml"
	"github.com/Masterminds/sprig/v3"
	"github.com/gobwas/glob"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"sigs.k8s.io/yaml"
	goyaml "sigs.k8s.io/yaml/goyaml.v3"
)

// helmEngine renders a chart's templates as Helm's engine (helm.sh/helm/v3/pkg/engine) does —
// the same template set, value scoping, functions, include/tpl and error messages — with what
// Helm's engine has no hooks for:
//
//   - Every loop iteration, template call, function call and write is checked against a budget
//     (a deadline through ctx, and the bytes produced), so a template that spins stops when
//     the deadline passes or the scan is cancelled, not when it is done. The checks are
//     inserted into the parsed templates (a tick at the start of every template and range
//     body, a guard on every range and printed value), so no loop escapes them.
//   - Functions whose cost is a product of their arguments (until, repeat, indent, printf
//     widths, uniq, ...) are refused past a limit before they run, and functions that walk a
//     value deeply are refused a value larger than the budget or one that contains itself.
//   - In lenient mode `required` returns a placeholder instead of failing, `fail` is recorded
//     instead of stopping, and a template that does not parse or execute is set aside (and
//     reported) while the others render.
type helmEngine struct {
	b       *budget
	lenient bool
	// placeholders are the messages of `required` calls given a placeholder, in order.
	placeholders []string
	// fails are the messages of `fail` calls that lenient mode went past.
	fails    []string
	includes map[string]int
	// token is a random argument of the inserted leave call, which a chart cannot know: a
	// template that called the leave function itself would otherwise undo its depth count.
	token    string
	tplDepth int
	// depth is the current nesting of template calls, counted by the enter and leave calls
	// inserted at each template's start and end. An error ends the whole execution, so a
	// leave skipped by one does not matter: depth restarts at 0 with every template rendered.
	depth int
}

// placeholderPrefix starts every value lenient rendering invents, so a finding or a report that
// shows one cannot be mistaken for a value of the chart.
const placeholderPrefix = "palisade-placeholder-"

// Names of the functions inserted into parsed templates. They are valid identifiers (template
// requires it) but no chart has a reason to call them; calling them does no harm.
const (
	fnTick  = "palisadeRenderTick"
	fnRange = "palisadeRenderRange"
	fnOut   = "palisadeRenderOut"
	fnEnter = "palisadeRenderEnter"
	fnLeave = "palisadeRenderLeave"
)

// maxTemplateDepth bounds nested template calls (template, include, tpl). text/template's own
// bound is 100000, deep enough to take seconds and hundreds of megabytes of stack.
const maxTemplateDepth = 2000

// maxTplDepth bounds nested tpl calls, each of which clones the whole template set.
const maxTplDepth = 100

// tplParseCost is what parsing one byte of a tpl source costs in memory: a source made only of
// actions ("{{1}}{{1}}…") parses to about 80 live bytes per byte (measured with text/template,
// go1.26), and the inserted checks add to that. Without it a value of a few megabytes, well
// within the output budget, would parse to gigabytes.
const tplParseCost = 128

// maxIncludeDepth is Helm's bound on nested includes of one name.
const maxIncludeDepth = 1000

const (
	warnStart = "HELM_ERR_START"
	warnEnd   = "HELM_ERR_END"
)

var warnRegex = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(warnStart + `((?s).*)` + warnEnd) })

func newHelmEngine(b *budget, lenient bool) *helmEngine {
	return &helmEngine{b: b, lenient: lenient, includes: map[string]int{}, token: rand.Text()}
}

// renderable is one template with the values it sees.
type renderable struct {
	tpl      string
	vals     chartutil.Values
	basePath string
}

// render renders every template of c. In strict mode the first error stops it, as in Helm. In
// lenient mode the templates that fail are returned in failed with their error and the others
// rendered; err is then only a bound reached.
func (e *helmEngine) render(c *chart.Chart, vals chartutil.Values) (out map[string]string, failed map[string]error, err error) {
	tpls := map[string]renderable{}
	allTemplates(c, tpls, vals)
	keys := slices.Collect(maps.Keys(tpls))
	sortTemplates(keys)
	failed = map[string]error{}

	t := template.New("gotpl").Option("missingkey=zero")
	t.Funcs(e.funcMap(t))
	for _, name := range keys {
		if _, err := t.New(name).Parse(tpls[name].tpl); err != nil {
			err = cleanupParseError(name, err)
			if !e.lenient {
				return nil, nil, err
			}
			failed[name] = err
		}
	}
	e.instrument(t)

	out = make(map[string]string, len(keys))
	for _, name := range keys {
		if strings.HasPrefix(path.Base(name), "_") || failed[name] != nil {
			continue
		}
		v := tpls[name].vals
		v["Template"] = chartutil.Values{"Name": name, "BasePath": tpls[name].basePath}
		e.depth = 0
		w := &cappedWriter{b: e.b}
		err := safely("render "+name, func() error { return t.ExecuteTemplate(w, name, v) })
		if e.b.stopped != nil {
			return nil, nil, e.b.stopped
		}
		if err != nil {
			err = cleanupExecError(name, err)
			if !e.lenient {
				return nil, nil, err
			}
			failed[name] = err
			continue
		}
		out[name] = strings.ReplaceAll(w.buf.String(), "<no value>", "")
	}
	return out, failed, nil
}

// instrument inserts the budget checks into every template of the set not yet instrumented.
func (e *helmEngine) instrument(t *template.Template) {
	for _, tt := range t.Templates() {
		if tt.Tree == nil || tt.Tree.Root == nil || instrumented(tt.Tree) {
			continue
		}
		root := tt.Tree.Root
		instrumentList(root)
		leave := call(fnLeave, root.Pos)
		leave.Pipe.Cmds[0].Args = append(leave.Pipe.Cmds[0].Args, &parse.StringNode{
			NodeType: parse.NodeString, Pos: root.Pos, Quoted: strconv.Quote(e.token), Text: e.token,
		})
		root.Nodes = append(append([]parse.Node{call(fnEnter, root.Pos)}, root.Nodes...), leave)
	}
}

// instrumented reports a tree that starts with an inserted enter call. Inserted nodes have line
// 0, which no parsed node has, so a chart cannot fake the mark by calling enter itself; and the
// mark lives in the tree, so trees that tpl parses in a loop are not kept alive by a registry.
func instrumented(t *parse.Tree) bool {
	if len(t.Root.Nodes) == 0 {
		return false
	}
	a, ok := t.Root.Nodes[0].(*parse.ActionNode)
	if !ok || a.Line != 0 || a.Pipe == nil || len(a.Pipe.Cmds) != 1 || len(a.Pipe.Cmds[0].Args) != 1 {
		return false
	}
	id, ok := a.Pipe.Cmds[0].Args[0].(*parse.IdentifierNode)
	return ok && id.Ident == fnEnter
}

func instrumentList(l *parse.ListNode) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			n.Pipe.Cmds = append(n.Pipe.Cmds, command(fnOut, n.Pos))
		case *parse.IfNode:
			instrumentList(n.List)
			instrumentList(n.ElseList)
		case *parse.WithNode:
			instrumentList(n.List)
			instrumentList(n.ElseList)
		case *parse.RangeNode:
			instrumentList(n.List)
			instrumentList(n.ElseList)
			n.Pipe.Cmds = append(n.Pipe.Cmds, command(fnRange, n.Pos))
			n.List.Nodes = append([]parse.Node{call(fnTick, n.Pos)}, n.List.Nodes...)
		}
	}
}

// command is a pipeline stage calling fn, placed at pos for error messages.
func command(fn string, pos parse.Pos) *parse.CommandNode {
	return &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos, Args: []parse.Node{
		&parse.IdentifierNode{NodeType: parse.NodeIdentifier, Pos: pos, Ident: fn},
	}}
}

// call is an action that calls fn and prints its (empty) result.
func call(fn string, pos parse.Pos) *parse.ActionNode {
	return &parse.ActionNode{NodeType: parse.NodeAction, Pos: pos, Pipe: &parse.PipeNode{
		NodeType: parse.NodePipe, Pos: pos, Cmds: []*parse.CommandNode{command(fn, pos)},
	}}
}

// funcMap is Helm's function map (sprig without env and expandenv, Helm's own encoders,
// include, tpl, required, fail, an empty lookup and no DNS), every function wrapped by the
// budget, plus the inserted checks.
func (e *helmEngine) funcMap(t *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	for k, v := range map[string]any{
		"toToml": toTOML, "fromToml": fromTOML, "toYaml": toYAML, "toYamlPretty": toYAMLPretty,
		"fromYaml": fromYAML, "fromYamlArray": fromYAMLArray, "toJson": toJSON,
		"fromJson": fromJSON, "fromJsonArray": fromJSONArray,
		"lookup":        func(string, string, string, string) (map[string]any, error) { return map[string]any{}, nil },
		"getHostByName": func(string) string { return "" },
		"required":      e.required,
		"fail":          e.fail,
		"include":       e.includeFun(t),
		"tpl":           e.tplFun(t),
		// text/template's own printers, so that their arguments are sized too.
		"print": fmt.Sprint, "printf": fmt.Sprintf, "println": fmt.Sprintln,
		"html": template.HTMLEscaper, "js": template.JSEscaper, "urlquery": template.URLQueryEscaper,
	} {
		f[k] = v
	}
	for k, v := range f {
		f[k] = e.wrap(k, v)
	}
	f[fnTick] = func() (string, error) { return "", e.b.tick() }
	f[fnEnter] = func() (string, error) {
		if e.depth++; e.depth > maxTemplateDepth {
			return "", e.b.limit("template", fmt.Sprintf("more than %d nested template calls", maxTemplateDepth))
		}
		return "", e.b.tick()
	}
	f[fnLeave] = func(token string) string {
		if token == e.token {
			e.depth--
		}
		return ""
	}
	f[fnRange] = e.rangeGuard
	f[fnOut] = e.outGuard
	return f
}

// wrap runs the budget's checks around a function: a tick and the function's own guard before,
// the result charged (and, for a map or list, sized as a tree) after. A function without an error result reports a bound by panicking
// with the error, which text/template turns into the call's error.
func (e *helmEngine) wrap(name string, fn any) any {
	v := reflect.ValueOf(fn)
	typ := v.Type()
	return reflect.MakeFunc(typ, func(args []reflect.Value) []reflect.Value {
		flat := args
		if typ.IsVariadic() && len(args) > 0 {
			last := args[len(args)-1]
			flat = append(slices.Clone(args[:len(args)-1]), make([]reflect.Value, last.Len())...)
			for i := range last.Len() {
				flat[len(args)-1+i] = last.Index(i)
			}
		}
		if err := e.b.guard(name, flat); err != nil {
			panic(err)
		}
		if err := e.b.tick(); err != nil {
			panic(err)
		}
		var out []reflect.Value
		if typ.IsVariadic() {
			out = v.CallSlice(args)
		} else {
			out = v.Call(args)
		}
		if len(out) > 0 {
			// No map or list larger than the budget may exist, however it is used later: a
			// method on it (.Values.YAML) or Go's printing would walk it outside these checks.
			if composite(out[0]) {
				if err := e.b.checkValues(name, "result", out[:1]); err != nil {
					panic(err)
				}
			}
			if err := e.b.charge(resultSize(out[0])); err != nil {
				panic(err)
			}
		}
		return out
	}).Interface()
}

// rangeGuard checks the value a range is about to iterate over.
func (e *helmEngine) rangeGuard(v any) (any, error) {
	if err := e.b.tick(); err != nil {
		return nil, err
	}
	rv := reflect.ValueOf(v)
	var n int64
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n = rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n = int64(min(rv.Uint(), 1<<62))
	}
	if n > maxRangeLen {
		return nil, e.b.limit("range", fmt.Sprintf("%d iterations are over the limit of %d", n, maxRangeLen))
	}
	return v, nil
}

// outGuard checks a value an action is about to print (or assign): printing a map or list walks
// it, which must not outgrow the budget or recurse forever.
func (e *helmEngine) outGuard(v any) (any, error) {
	if err := e.b.tick(); err != nil {
		return nil, err
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct, reflect.Pointer, reflect.Interface:
		if err := e.b.checkArgs("print", []reflect.Value{reflect.ValueOf(v)}); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// required is Helm's `required`; in lenient mode a missing value becomes a placeholder that
// names itself as one, the same placeholder for the same message.
func (e *helmEngine) required(warn string, val any) (any, error) {
	if s, ok := val.(string); val != nil && (!ok || s != "") {
		return val, nil
	}
	if !e.lenient {
		return val, errors.New(warnStart + warn + warnEnd)
	}
	i := slices.Index(e.placeholders, warn)
	if i < 0 {
		e.placeholders = append(e.placeholders, warn)
		i = len(e.placeholders) - 1
	}
	return fmt.Sprintf("%s%d", placeholderPrefix, i+1), nil
}

// fail is Helm's `fail`; lenient mode records the message and renders on.
func (e *helmEngine) fail(msg string) (string, error) {
	if !e.lenient {
		return "", errors.New(warnStart + msg + warnEnd)
	}
	if !slices.Contains(e.fails, msg) {
		e.fails = append(e.fails, msg)
	}
	return "", nil
}

func (e *helmEngine) includeFun(t *template.Template) func(string, any) (string, error) {
	return func(name string, data any) (string, error) {
		if e.includes[name] > maxIncludeDepth {
			return "", fmt.Errorf("unable to execute template: rendering template has a nested reference name: %s", name)
		}
		e.includes[name]++
		defer func() { e.includes[name]-- }()
		w := &cappedWriter{b: e.b}
		err := t.ExecuteTemplate(w, name, data)
		return w.buf.String(), err
	}
}

func (e *helmEngine) tplFun(parent *template.Template) func(string, any) (string, error) {
	return func(tpl string, vals any) (string, error) {
		if e.tplDepth >= maxTplDepth {
			return "", e.b.limit("tpl", fmt.Sprintf("more than %d nested calls", maxTplDepth))
		}
		e.tplDepth++
		defer func() { e.tplDepth-- }()
		// The parsed tree of the source is held until the call returns, nested calls included.
		cost := mulCap(int64(len(tpl)), tplParseCost)
		if err := e.b.fits("tpl", cost); err != nil {
			return "", err
		}
		e.b.used += cost
		defer func() { e.b.used -= cost }()
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		t.Option("missingkey=zero")
		t.Funcs(template.FuncMap{"include": e.wrap("include", e.includeFun(t)), "tpl": e.wrap("tpl", e.tplFun(t))})
		t, err = t.New(parent.Name()).Parse(tpl)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", tpl, err)
		}
		e.instrument(t)
		w := &cappedWriter{b: e.b}
		if err := t.Execute(w, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", tpl, err)
		}
		return strings.ReplaceAll(w.buf.String(), "<no value>", ""), nil
	}
}

// cleanupParseError and cleanupExecError shape errors as Helm does, so messages (and the
// template:line they name) read the same as `helm template`'s.
func cleanupParseError(filename string, err error) error {
	tokens := strings.Split(err.Error(), ": ")
	if len(tokens) == 1 {
		return fmt.Errorf("parse error in (%s): %s", filename, err)
	}
	return fmt.Errorf("parse error at (%s): %s", tokens[1], tokens[len(tokens)-1])
}

func cleanupExecError(filename string, err error) error {
	var ee template.ExecError
	if !errors.As(err, &ee) {
		return err
	}
	tokens := strings.SplitN(err.Error(), ": ", 3)
	if len(tokens) != 3 {
		return fmt.Errorf("execution error in (%s): %s", filename, err)
	}
	if parts := warnRegex().FindStringSubmatch(tokens[2]); len(parts) >= 2 {
		return fmt.Errorf("execution error at (%s): %s", tokens[1], parts[1])
	}
	return err
}

// sortTemplates orders names as Helm parses them: deeper paths first, then by name.
func sortTemplates(keys []string) {
	slices.SortFunc(keys, func(a, b string) int {
		ca, cb := strings.Count(a, "/"), strings.Count(b, "/")
		if ca != cb {
			return cb - ca
		}
		return strings.Compare(b, a)
	})
}

// allTemplates collects the templates of c and its subcharts with the values each sees, as
// Helm scopes them (a subchart sees its own section of the parent's values).
func allTemplates(c *chart.Chart, out map[string]renderable, vals chartutil.Values) map[string]any {
	subCharts := map[string]any{}
	meta := struct {
		chart.Metadata
		IsRoot bool
	}{*c.Metadata, c.IsRoot()}
	next := map[string]any{
		"Chart":        meta,
		"Files":        newHelmFiles(c.Files),
		"Release":      vals["Release"],
		"Capabilities": vals["Capabilities"],
		"Values":       make(chartutil.Values),
		"Subcharts":    subCharts,
	}
	if c.IsRoot() {
		next["Values"] = vals["Values"]
	} else if vs, err := vals.Table("Values." + c.Name()); err == nil {
		next["Values"] = vs
	}
	for _, child := range c.Dependencies() {
		subCharts[child.Name()] = allTemplates(child, out, next)
	}
	library := strings.EqualFold(c.Metadata.Type, "library")
	for _, t := range c.Templates {
		if t == nil || (library && !strings.HasPrefix(path.Base(t.Name), "_")) {
			continue
		}
		out[path.Join(c.ChartFullPath(), t.Name)] = renderable{
			tpl: string(t.Data), vals: next, basePath: path.Join(c.ChartFullPath(), "templates"),
		}
	}
	return next
}

// helmFiles is .Files: the chart's non-template files, with Helm's methods.
type helmFiles map[string][]byte

func newHelmFiles(from []*chart.File) helmFiles {
	f := helmFiles{}
	for _, x := range from {
		f[x.Name] = x.Data
	}
	return f
}

// GetBytes returns a file's content, empty when there is none.
func (f helmFiles) GetBytes(name string) []byte {
	if v, ok := f[name]; ok {
		return v
	}
	return []byte{}
}

// Get returns a file's content as a string.
func (f helmFiles) Get(name string) string { return string(f.GetBytes(name)) }

// Glob returns the files whose name matches pattern.
func (f helmFiles) Glob(pattern string) helmFiles {
	g, err := glob.Compile(pattern, '/')
	if err != nil {
		g, _ = glob.Compile("**")
	}
	nf := helmFiles{}
	for name, content := range f {
		if g.Match(name) {
			nf[name] = content
		}
	}
	return nf
}

// AsConfig is the files as a ConfigMap's data section.
func (f helmFiles) AsConfig() string {
	if f == nil {
		return ""
	}
	m := map[string]string{}
	for k, v := range f {
		m[path.Base(k)] = string(v)
	}
	return toYAML(m)
}

// AsSecrets is the files as a Secret's data section, base64-encoded.
func (f helmFiles) AsSecrets() string {
	if f == nil {
		return ""
	}
	m := map[string]string{}
	for k, v := range f {
		m[path.Base(k)] = base64.StdEncoding.EncodeToString(v)
	}
	return toYAML(m)
}

// Lines returns the lines of a file.
func (f helmFiles) Lines(name string) []string {
	if f == nil || len(f[name]) == 0 {
		return []string{}
	}
	s := strings.TrimSuffix(string(f[name]), "\n")
	return strings.Split(s, "\n")
}

// Helm's encoders, which swallow errors as Helm's do.

func toYAML(v any) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func toYAMLPretty(v any) string {
	var data bytes.Buffer
	enc := goyaml.NewEncoder(&data)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(data.String(), "\n")
}

func fromYAML(s string) map[string]any {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(s string) []any {
	a := []any{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		a = []any{err.Error()}
	}
	return a
}

func toTOML(v any) string {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(v); err != nil {
		return err.Error()
	}
	return b.String()
}

func fromTOML(s string) map[string]any {
	m := map[string]any{}
	if err := toml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func toJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(s string) map[string]any {
	m := map[string]any{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []any {
	a := []any{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		a = []any{err.Error()}
	}
	return a
}
