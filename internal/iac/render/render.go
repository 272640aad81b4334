// Package render turns Helm charts and Kustomize overlays into the Kubernetes manifests they
// produce, the way `helm template` and `kustomize build` do, using Helm's and Kustomize's own
// engines, so the IaC checks see what would be deployed instead of template text or partial
// patches.
//
// Everything is read from an fs.FS: chart files are loaded into memory and handed to Helm's
// loader, kustomizations are built over an in-memory file system filled only from the fs.FS.
// Nothing is fetched: no chart dependency download, no remote Kustomize base, no Kubernetes API
// lookup, no DNS, no JSON-schema reference over the network, and symbolic links are never
// followed. Every rendered document knows the source file it came from and can map a rendered
// line back to a best-effort line in that file (see Document.Locate), so findings land on the
// template or manifest a user edits.
package render

import (
	"context"
	"fmt"
	"io/fs"
	"slices"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Kind names the tool whose engine renders a Unit.
type Kind string

// The kinds of render units.
const (
	Helm      Kind = "helm"
	Kustomize Kind = "kustomize"
)

// Unit is one thing to render: a Helm chart directory (with its subcharts) or a Kustomize
// build root (a kustomization no other kustomization refers to).
type Unit struct {
	Kind Kind
	// Root is the chart or kustomization directory, a slash path in the fs.FS ("." for its root).
	Root string
	// Entry is the Chart.yaml or kustomization file that defines the unit.
	Entry string
	// Files are every file the unit reads, sorted.
	Files []string
	// Consumed are the files that only mean something through rendering (templates, values,
	// kustomization files, patches, generator inputs); a scanner should not scan them raw.
	// Plain manifests a kustomization lists as resources are real manifests and are not here.
	Consumed []string

	// kust holds what detection learnt about a kustomization tree (nil for charts).
	kust *kustTree
	// problems are detection errors reported when the unit is rendered.
	problems []finding.Problem
}

// Plan is the result of detection: the units to render and the files they consume.
type Plan struct {
	Units    []Unit
	consumed map[string]bool
}

// Consumed reports whether a file is an input of some unit and should not be scanned raw.
func (p *Plan) Consumed(name string) bool { return p.consumed[name] }

// ConsumedFiles lists every consumed file, sorted.
func (p *Plan) ConsumedFiles() []string {
	out := make([]string, 0, len(p.consumed))
	for f := range p.consumed {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// Position is a place in a source file of the fs.FS. Line is 1-based; 0 means the line is not
// known (for example a template inside a packaged .tgz subchart).
type Position struct {
	Path string
	Line int
}

// Document is one rendered YAML document.
type Document struct {
	// Unit is the root of the unit that produced the document.
	Unit string
	// Path is the source file in the fs.FS: the Helm template (or the .tgz of a packaged
	// subchart), or for Kustomize the file the object was read from (its origin) or, for a
	// generated object, the kustomization that generated it.
	Path string
	// Source is the name the tool gives the source: Helm's `# Source:` name
	// (chart/templates/x.yaml) or Kustomize's origin path.
	Source string
	// Content is the rendered YAML of this one document, without the `---` separator.
	Content []byte
	// Line is the first line in Path that produced the document (best effort; 0 if unknown).
	Line int
	// Static is true for a document of a template that did not render and was checked
	// statically: its text with the template actions removed, lines kept as in the template.
	Static bool

	mapper lineMapper
}

// lineMapper maps a line of a document's Content back to its source.
type lineMapper interface {
	locate(renderedLine int, key string) Position
}

// Locate maps a 1-based line of Content back to the source line that produced it. key is the
// YAML key the caller is interested in at that line (for example "privileged"), or "" for the
// line as a whole; it lets the mapping pick the template line that writes that key when the
// rendered line came from generated text. The result is best effort and never panics: when no
// better answer exists it is the document's own first line.
func (d *Document) Locate(renderedLine int, key string) Position {
	if d.mapper == nil || renderedLine < 1 {
		return Position{Path: d.Path, Line: d.Line}
	}
	return d.mapper.locate(renderedLine, key)
}

// LineOf is Locate for callers that can only report a line in d.Path. When the best source
// line is in another file (a Kustomize patch set the field), it returns the closest line of
// d.Path instead: the field's nearest ancestor present there, else the document's own line.
func (d *Document) LineOf(renderedLine int, key string) int {
	p := d.Locate(renderedLine, key)
	if p.Path == d.Path {
		return p.Line
	}
	if sl, ok := d.mapper.(sourceLocator); ok {
		return sl.locateSource(renderedLine, key)
	}
	return d.Line
}

// sourceLocator is implemented by mappers that can answer within the document's own file
// when their best answer is elsewhere.
type sourceLocator interface {
	locateSource(renderedLine int, key string) int
}

// Result is what rendering one unit produced.
type Result struct {
	Documents []Document
	// Problems explain why a unit, or part of it, could not be rendered; each names a file and,
	// where the tool says so, a line.
	Problems []finding.Problem
}

// scannerName is the Problem.Scanner value, matching the IaC scanner that reports them.
const scannerName = "iac"

func problemf(path string, line int, format string, args ...any) finding.Problem {
	return finding.Problem{Path: path, Line: line, Kind: finding.ProblemRender, Scanner: scannerName, Message: fmt.Sprintf(format, args...)}
}

// RenderAll detects every unit among files and renders each in turn, for a scanner that wants
// one call: the documents and problems of all units, and the plan whose Consumed method says
// which files to leave out of the raw scan. The error is only ctx's.
func (r *Renderer) RenderAll(ctx context.Context, fsys fs.FS, files []string) (*Plan, Result, error) {
	plan, err := Detect(ctx, fsys, files)
	if err != nil {
		return nil, Result{}, err
	}
	var all Result
	for _, u := range plan.Units {
		if err := ctx.Err(); err != nil {
			return nil, Result{}, err
		}
		res := r.Render(ctx, fsys, u)
		all.Documents = append(all.Documents, res.Documents...)
		all.Problems = append(all.Problems, res.Problems...)
	}
	return plan, all, nil
}

// safely runs a call into Helm or Kustomize and turns a panic into an error: a malformed chart or
// kustomization must become a problem, never take the scan down.
func safely(op string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: internal error in the rendering engine: %v", op, r)
		}
	}()
	return f()
}
