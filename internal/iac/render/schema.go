package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"helm.sh/helm/v3/pkg/chart"
)

// offlineLoader refuses every schema reference that is not the schema itself: Helm's own
// validator would fetch http(s) $refs and read local files, and a scan must do neither.
type offlineLoader struct{}

func (offlineLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema reference %s not loaded: rendering never fetches or reads outside the chart", url)
}

// validateSchemas checks the final values of c and its subcharts against each chart's
// values.schema.json, as `helm template` does, but offline. A violation is a problem; the chart
// is still rendered, so its manifests are still checked.
func validateSchemas(c *chart.Chart, values any, cf *chartFiles) []finding.Problem {
	var out []finding.Problem
	if len(c.Schema) > 0 {
		at := cf.archiveOf(c.Name())
		if dir := cf.chartDir(c); dir != "" {
			at = path.Join(dir, "values.schema.json")
		}
		if err := validateSchema(c.Schema, values); err != nil {
			msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ; ")), " ")
			out = append(out, problemf(at, 0, "render chart: values do not match %s: %s", at, msg))
		}
	}
	m, _ := values.(map[string]any)
	for _, d := range c.Dependencies() {
		sub, ok := m[d.Name()]
		if !ok {
			sub = map[string]any{}
		}
		out = append(out, validateSchemas(d, sub, cf)...)
	}
	return out
}

// validateSchema validates values (plain JSON types) against one schema document.
func validateSchema(schema []byte, values any) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return fmt.Errorf("parse schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(offlineLoader{})
	const loc = "file:///values.schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		return fmt.Errorf("load schema: %w", err)
	}
	sch, err := c.Compile(loc)
	if err != nil {
		return fmt.Errorf("compile schema: %w", err)
	}
	return sch.Validate(values)
}

// jsonValues converts Helm's values to the plain JSON types the validator expects.
func jsonValues(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}
