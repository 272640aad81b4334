package render

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/palisade-sec/palisade/internal/finding"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/strvals"
)

// Options configure a Renderer.
type Options struct {
	// ReleaseName is .Release.Name; empty means "release-name", as `helm template` uses.
	ReleaseName string
	// Namespace is .Release.Namespace; empty means "default".
	Namespace string
	// KubeVersion is .Capabilities.KubeVersion (for example "v1.31.0"); empty means Helm's default.
	KubeVersion string
	// APIVersions are added to .Capabilities.APIVersions.
	APIVersions []string
	// Values are the user's values, applied in order over each chart's values.yaml.
	Values []ValueSource
	// MaxFileSize bounds one input file; 0 means 8 MiB.
	MaxFileSize int64
	// MaxUnitBytes bounds all the files of one unit together; 0 means 64 MiB.
	MaxUnitBytes int64
	// MaxRenderTime bounds the rendering of one chart; 0 means 10 s.
	MaxRenderTime time.Duration
	// MaxRenderBytes bounds what rendering one chart may produce (template output and the
	// strings and lists its functions return, counted as they are made); 0 means 64 MiB.
	MaxRenderBytes int64
}

func (o Options) maxRenderTime() time.Duration {
	if o.MaxRenderTime <= 0 {
		return defaultMaxRenderTime
	}
	return o.MaxRenderTime
}

func (o Options) maxRenderBytes() int64 {
	if o.MaxRenderBytes <= 0 {
		return defaultMaxRenderBytes
	}
	return o.MaxRenderBytes
}

// ValueSource is one values file (`helm template -f`) or one `--set` expression.
type ValueSource struct {
	// Chart is the chart directory (a Unit.Root) this applies to; "" applies to every chart.
	Chart string
	// Name says where Data came from, for messages.
	Name string
	// Data is a YAML values document.
	Data []byte
	// Set is a `--set` expression (a.b=c,d[0]=e), applied after Data.
	Set string
}

// Renderer renders units. It holds no state between calls and is safe for concurrent use.
type Renderer struct {
	opts Options
	caps *chartutil.Capabilities
	vals []parsedValues
}

type parsedValues struct {
	chart string
	vals  map[string]any
	set   string
}

// New checks the options: every values document and --set expression must parse.
func New(opts Options) (*Renderer, error) {
	r := &Renderer{opts: opts, caps: chartutil.DefaultCapabilities.Copy()}
	if r.opts.ReleaseName == "" {
		r.opts.ReleaseName = "release-name"
	}
	if r.opts.Namespace == "" {
		r.opts.Namespace = "default"
	}
	if opts.KubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(opts.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("render options: kube version %q: %w", opts.KubeVersion, err)
		}
		r.caps.KubeVersion = *kv
	}
	// Clip so the append never writes into the backing array of Helm's package-level defaults.
	r.caps.APIVersions = append(slices.Clip(r.caps.APIVersions), opts.APIVersions...)
	for i, v := range opts.Values {
		pv := parsedValues{chart: v.Chart, set: v.Set}
		name := v.Name
		if name == "" {
			name = fmt.Sprintf("values #%d", i+1)
		}
		if len(v.Data) > 0 {
			m, err := chartutil.ReadValues(v.Data)
			if err != nil {
				return nil, fmt.Errorf("render options: %s: %w", name, err)
			}
			pv.vals = m
		}
		if v.Set != "" {
			if _, err := strvals.Parse(v.Set); err != nil {
				return nil, fmt.Errorf("render options: %s: --set %q: %w", name, v.Set, err)
			}
		}
		r.vals = append(r.vals, pv)
	}
	return r, nil
}

// Render renders one unit from fsys. It blocks for as long as the tool's engine runs; ctx is
// checked before and between the steps.
func (r *Renderer) Render(ctx context.Context, fsys fs.FS, u Unit) Result {
	res := Result{Problems: slices.Clone(u.problems)}
	if err := ctx.Err(); err != nil {
		res.Problems = append(res.Problems, problemf(u.Entry, 0, "render: %v", err))
		return res
	}
	switch u.Kind {
	case Helm:
		r.renderChart(ctx, fsys, u, &res)
	case Kustomize:
		r.renderKustomize(ctx, fsys, u, &res)
	default:
		res.Problems = append(res.Problems, problemf(u.Entry, 0, "render: unknown unit kind %q", u.Kind))
	}
	return res
}

// chartFiles is a loaded chart's files, with the way back from Helm's in-memory files to fsys.
type chartFiles struct {
	root     string
	byData   map[*byte]string // first byte of a file's data → its path in fsys
	archives []string         // packaged subcharts (.tgz) in fsys
}

// pathOf maps a chart file (by its data) back to fsys.
func (cf *chartFiles) pathOf(data []byte) (string, bool) {
	if len(data) == 0 {
		return "", false
	}
	p, ok := cf.byData[&data[0]]
	return p, ok
}

// chartDir is the directory of chart c in fsys, or "" for a chart loaded from an archive.
func (cf *chartFiles) chartDir(c *chart.Chart) string {
	for _, f := range c.Raw {
		if f.Name == "Chart.yaml" {
			if p, ok := cf.pathOf(f.Data); ok {
				return path.Dir(p)
			}
		}
	}
	return ""
}

// archiveOf guesses the .tgz a chart named name was unpacked from.
func (cf *chartFiles) archiveOf(name string) string {
	for _, a := range cf.archives {
		if strings.HasPrefix(path.Base(a), name+"-") || path.Base(a) == name+".tgz" {
			return a
		}
	}
	if len(cf.archives) > 0 {
		return cf.archives[0]
	}
	return path.Join(cf.root, "Chart.yaml")
}

func (r *Renderer) loadChart(fsys fs.FS, u Unit, res *Result) (*chart.Chart, *chartFiles) {
	rd := &reader{fsys: fsys, lim: limits{file: r.opts.MaxFileSize, unit: r.opts.MaxUnitBytes}.orDefault()}
	cf := &chartFiles{root: u.Root, byData: map[*byte]string{}}
	var buf []*loader.BufferedFile
	for _, f := range u.Files {
		data, err := rd.readFile(f, true)
		if err != nil {
			res.Problems = append(res.Problems, problemf(f, 0, "load chart: %v", err))
			return nil, nil
		}
		if len(data) > 0 {
			cf.byData[&data[0]] = f
		}
		rel := relTo(u.Root, f)
		if strings.HasSuffix(rel, ".tgz") && strings.Contains(rel, "charts/") {
			cf.archives = append(cf.archives, f)
		}
		buf = append(buf, &loader.BufferedFile{Name: rel, Data: data})
	}
	var ch *chart.Chart
	err := safely("load chart", func() (err error) {
		ch, err = loader.LoadFiles(buf)
		return err
	})
	if err != nil {
		at := u.Entry
		if strings.Contains(err.Error(), "values.yaml") {
			at = path.Join(u.Root, "values.yaml")
		}
		res.Problems = append(res.Problems, problemf(at, 0, "load chart: %v", err))
		return nil, nil
	}
	return ch, cf
}

func (r *Renderer) renderChart(ctx context.Context, fsys fs.FS, u Unit, res *Result) {
	ch, cf := r.loadChart(fsys, u, res)
	if ch == nil {
		return
	}
	if ps := missingDependencies(ch, cf); len(ps) > 0 {
		res.Problems = append(res.Problems, ps...)
		return
	}
	vals, err := r.userValues(u.Root)
	if err != nil {
		res.Problems = append(res.Problems, problemf(u.Entry, 0, "render chart: %v", err))
		return
	}
	if err := safely("dependencies", func() error { return chartutil.ProcessDependenciesWithMerge(ch, vals) }); err != nil {
		res.Problems = append(res.Problems, problemf(u.Entry, 0, "render chart: dependencies: %v", err))
		return
	}
	// Helm's schema validation is skipped (it may fetch $ref over HTTP or read local files);
	// validateSchemas does the same check offline.
	var top chartutil.Values
	err = safely("values", func() (err error) {
		top, err = chartutil.ToRenderValuesWithSchemaValidation(ch, vals, chartutil.ReleaseOptions{
			Name: r.opts.ReleaseName, Namespace: r.opts.Namespace, Revision: 1, IsInstall: true,
		}, r.caps, true)
		return err
	})
	if err != nil {
		res.Problems = append(res.Problems, problemf(path.Join(u.Root, "values.yaml"), 0, "render chart: values: %v", err))
		return
	}
	if jv, err := jsonValues(top["Values"]); err != nil {
		res.Problems = append(res.Problems, problemf(path.Join(u.Root, "values.yaml"), 0, "render chart: values: %v", err))
	} else {
		res.Problems = append(res.Problems, validateSchemas(ch, jv, cf)...)
	}
	if err := ctx.Err(); err != nil {
		res.Problems = append(res.Problems, problemf(u.Entry, 0, "render chart: %v", err))
		return
	}
	templates := templatePaths(ch, cf)
	r.renderTemplates(ctx, u, ch, top, templates, res)
}

// renderTemplates renders the chart's templates into documents. A chart that does not render
// as `helm template` would is reported, and then as much of it as possible is still checked:
// it is rendered again leniently (placeholders for missing required values, `fail` recorded,
// failing templates set aside), and what still does not render is checked statically.
func (r *Renderer) renderTemplates(ctx context.Context, u Unit, ch *chart.Chart, top chartutil.Values, templates map[string]templateSource, res *Result) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.maxRenderTime())
	defer cancel()
	b := newBudget(ctx, r.opts.maxRenderTime(), r.opts.maxRenderBytes())
	out, _, err := newHelmEngine(b, false).render(ch, top)
	if err == nil {
		r.addDocuments(u, out, templates, res)
		return
	}
	res.Problems = append(res.Problems, renderProblem(u, err, templates))
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, errBound) {
		return // the scan was cancelled: stop, as the caller does
	}
	var failed map[string]error
	if !errors.Is(err, errBound) {
		lenient := newHelmEngine(newBudget(ctx, r.opts.maxRenderTime(), r.opts.maxRenderBytes()), true)
		out, failed, err = lenient.render(ch, top)
		if err == nil {
			r.addDocuments(u, out, templates, res)
			if p, ok := placeholderProblem(u, lenient); ok {
				res.Problems = append(res.Problems, p)
			}
		} else {
			res.Problems = append(res.Problems, renderProblem(u, err, templates))
		}
	}
	if err != nil {
		// A bound was reached: nothing of the render is kept, every template is checked
		// statically instead (that is linear in its size, so it cannot be a bomb itself).
		failed = map[string]error{}
		for name := range templates {
			failed[name] = err
		}
	}
	checkStatically(u, failed, templates, res)
}

// checkStatically adds the documents of templates that did not render, read as text with their
// actions removed, and a problem for each saying so.
func checkStatically(u Unit, failed map[string]error, templates map[string]templateSource, res *Result) {
	for _, name := range slices.Sorted(mapKeys(failed)) {
		if skipTemplate(name) {
			continue
		}
		t, ok := templates[name]
		if !ok {
			continue
		}
		if t.data == nil {
			res.Problems = append(res.Problems, problemf(t.path, 0,
				"render chart: %s was not rendered (%v) and, being inside a packaged subchart, was not checked", name, clip(failed[name].Error())))
			continue
		}
		docs := staticDocuments(u.Root, name, t)
		res.Documents = append(res.Documents, docs...)
		res.Problems = append(res.Problems, problemf(t.path, 0,
			"render chart: %s was not rendered (%v); it was checked statically only: its text with the template actions removed, %d document(s), first branches of conditionals only",
			name, clip(failed[name].Error()), len(docs)))
	}
}

// skipTemplate reports templates that produce no manifests: helpers and NOTES.txt.
func skipTemplate(name string) bool {
	return strings.HasPrefix(path.Base(name), "_") || strings.HasSuffix(name, "NOTES.txt")
}

func (r *Renderer) addDocuments(u Unit, out map[string]string, templates map[string]templateSource, res *Result) {
	for _, name := range slices.Sorted(mapKeys(out)) {
		if skipTemplate(name) {
			continue
		}
		t, ok := templates[name]
		if !ok {
			t = templateSource{path: u.Entry}
		}
		res.Documents = append(res.Documents, helmDocuments(u.Root, name, t, out[name])...)
	}
}

// renderProblem reports a render error at the template and line it names, else at Chart.yaml;
// a bound reached names the bound.
func renderProblem(u Unit, err error, templates map[string]templateSource) finding.Problem {
	if be, ok := errors.AsType[*BoundError](err); ok {
		return problemf(u.Entry, 0, "render chart: stopped, %s bound reached: %s", be.Bound, be.Detail)
	}
	at, line := templateErrorAt(err.Error(), templates)
	if at == "" {
		at = u.Entry
	}
	return problemf(at, line, "render chart: %s", clip(err.Error()))
}

// maxMessage bounds the error text a problem repeats: nested includes wrap their error once per
// level, so a recursive chart's error can run to megabytes.
const maxMessage = 2000

// clip shortens a message to maxMessage bytes (at a rune boundary), saying so.
func clip(msg string) string {
	if len(msg) <= maxMessage {
		return msg
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", msg[:cut], len(msg)-cut)
}

// placeholderProblem says which values lenient rendering invented and which `fail` calls it went
// past, so the findings of that render are read as what they are.
func placeholderProblem(u Unit, e *helmEngine) (finding.Problem, bool) {
	if len(e.placeholders) == 0 && len(e.fails) == 0 {
		return finding.Problem{}, false
	}
	var parts []string
	for i, msg := range e.placeholders {
		parts = append(parts, fmt.Sprintf("%q → %s%d", msg, placeholderPrefix, i+1))
	}
	var b strings.Builder
	b.WriteString("render chart: rendered again leniently so its manifests are still checked")
	if len(parts) > 0 {
		fmt.Fprintf(&b, "; placeholder values for missing required values: %s", strings.Join(parts, ", "))
	}
	if len(e.fails) > 0 {
		fmt.Fprintf(&b, "; `fail` calls ignored: %q", e.fails)
	}
	return problemf(u.Entry, 0, "%s", b.String()), true
}

// userValues merges the options' values for the chart at root, as `helm template -f … --set …`.
func (r *Renderer) userValues(root string) (map[string]any, error) {
	base := map[string]any{}
	for _, v := range r.vals {
		if v.chart != "" && v.chart != root {
			continue
		}
		if v.vals != nil {
			base = mergeMaps(base, v.vals)
		}
		if v.set != "" {
			if err := strvals.ParseInto(v.set, base); err != nil {
				return nil, fmt.Errorf("--set %q: %w", v.set, err)
			}
		}
	}
	return base, nil
}

// mergeMaps overlays b on a, recursing into maps present in both, as Helm merges values files.
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// missingDependencies reports every dependency a Chart.yaml declares that is not present under
// charts/: Palisade never downloads one.
func missingDependencies(c *chart.Chart, cf *chartFiles) []finding.Problem {
	var out []finding.Problem
	at := path.Join(cf.chartDir(c), "Chart.yaml")
	if cf.chartDir(c) == "" {
		at = cf.archiveOf(c.Name())
	}
	var raw []byte
	for _, f := range c.Raw {
		if f.Name == "Chart.yaml" {
			raw = f.Data
		}
	}
	for _, d := range c.Metadata.Dependencies {
		found := slices.ContainsFunc(c.Dependencies(), func(s *chart.Chart) bool { return s.Name() == d.Name })
		if !found {
			out = append(out, problemf(at, lineOfText(raw, "name: "+d.Name),
				"render chart: dependency %q (version %q, repository %q) is declared but missing from charts/: Palisade never downloads dependencies; run `helm dependency build` and commit or unpack the result",
				d.Name, d.Version, d.Repository))
		}
	}
	for _, s := range c.Dependencies() {
		out = append(out, missingDependencies(s, cf)...)
	}
	return out
}

// templateSource is where one of Helm's template names lives in fsys.
type templateSource struct {
	path string
	data []byte // the template text, nil when the line is unknown (packaged subchart)
}

// templatePaths maps every template name Helm renders ("chart/charts/sub/templates/x.yaml")
// to its file in fsys, walking the chart tree after dependency processing so aliases match.
func templatePaths(c *chart.Chart, cf *chartFiles) map[string]templateSource {
	out := map[string]templateSource{}
	var walk func(c *chart.Chart)
	walk = func(c *chart.Chart) {
		base := c.ChartFullPath()
		for _, t := range c.Templates {
			if p, ok := cf.pathOf(t.Data); ok {
				out[path.Join(base, t.Name)] = templateSource{path: p, data: t.Data}
				continue
			}
			if dir := cf.chartDir(c); dir != "" {
				out[path.Join(base, t.Name)] = templateSource{path: path.Join(dir, t.Name), data: t.Data}
				continue
			}
			out[path.Join(base, t.Name)] = templateSource{path: cf.archiveOf(c.Name())}
		}
		for _, d := range c.Dependencies() {
			walk(d)
		}
	}
	walk(c)
	return out
}

// templateLoc finds "name:line" (optionally ":col") in Helm's and text/template's errors.
var templateLoc = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`([^\s():"]+):(\d+)(?::\d+)?`) })

// templateErrorAt returns the fsys path and line named in a template error, if any.
func templateErrorAt(msg string, templates map[string]templateSource) (string, int) {
	for _, m := range templateLoc().FindAllStringSubmatch(msg, -1) {
		t, ok := templates[m[1]]
		if !ok {
			continue
		}
		line, err := strconv.Atoi(m[2])
		if err != nil || t.data == nil {
			line = 0
		}
		return t.path, line
	}
	return "", 0
}

// helmDocuments splits one rendered template into its YAML documents.
func helmDocuments(unit, name string, t templateSource, rendered string) []Document {
	lines := strings.Split(rendered, "\n")
	var tm *templateMap
	if t.data != nil {
		tm = newTemplateMap(string(t.data), lines)
	}
	var out []Document
	for _, d := range splitDocuments(lines) {
		doc := Document{Unit: unit, Path: t.path, Source: name, Content: []byte(strings.Join(lines[d.start:d.end], "\n") + "\n")}
		if tm != nil {
			m := &helmMapper{tm: tm, path: t.path, offset: d.start}
			doc.mapper = m
			doc.Line = m.locate(1, "").Line
		}
		out = append(out, doc)
	}
	return out
}

// staticDocuments is a template checked statically: its text with the actions removed
// (staticTemplate), split into documents, each line mapped to the same template line.
func staticDocuments(unit, name string, t templateSource) []Document {
	if t.data == nil {
		return nil // a template inside a packaged subchart has no text of its own in the tree
	}
	lines := strings.Split(staticTemplate(string(t.data)), "\n")
	var out []Document
	for _, d := range splitDocuments(lines) {
		m := staticMapper{path: t.path, offset: d.start}
		out = append(out, Document{
			Unit: unit, Path: t.path, Source: name, Static: true, Line: d.start + 1, mapper: m,
			Content: []byte(strings.Join(lines[d.start:d.end], "\n") + "\n"),
		})
	}
	return out
}

// staticMapper maps a statically checked document: its lines are the template's lines.
type staticMapper struct {
	path   string
	offset int
}

func (m staticMapper) locate(renderedLine int, _ string) Position {
	return Position{Path: m.path, Line: m.offset + renderedLine}
}

// helmMapper maps lines of one document of a rendered template.
type helmMapper struct {
	tm     *templateMap
	path   string
	offset int // 0-based index of the document's first line in the rendered file
}

func (m *helmMapper) locate(renderedLine int, key string) Position {
	return Position{Path: m.path, Line: m.tm.templateLine(m.offset+renderedLine-1, key)}
}
