package yamlpos

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestLine(t *testing.T) {
	src := "a:\n  b:\n  - name: x\n    c: 1\n  - &y\n    name: y\n    d: 2\nz: *y\n"
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	for _, tc := range []struct {
		name string
		p    Path
		want int
	}{
		{"key", Path{}.Field("a"), 1},
		{"nested key", Path{}.Field("a", "b").Item(0, "x").Field("c"), 4},
		{"missing field falls back to item", Path{}.Field("a", "b").Item(1, "y").Field("missing"), 5},
		{"index out of range falls back to list", Path{}.Field("a", "b").Item(5, ""), 2},
		{"through an alias", Path{}.Field("z", "d"), 7},
		{"root", nil, 1},
	} {
		if got := Line(root, tc.p); got != tc.want {
			t.Errorf("%s: Line(%s) = %d, want %d", tc.name, tc.p, got, tc.want)
		}
	}
	if Line(nil, Path{}.Field("a")) != 0 {
		t.Error("nil node must give line 0")
	}
	p := Path{}.Field("spec").Item(0, "app").Field("x").Item(2, "")
	if got := p.String(); got != "spec[app].x[2]" {
		t.Errorf("String = %q", got)
	}
}
