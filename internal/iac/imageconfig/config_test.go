package imageconfig

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/palisade-sec/palisade/internal/finding"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty", "", "parse image config: line 1, column 1: not a JSON object"},
		{"array", "\n  [1]", "parse image config: line 2, column 3: not a JSON object"},
		{"syntax", "{\n  \"config\": {\"User\": x}\n}", "parse image config: line 2, column 22: invalid character 'x'"},
		{"wrong type", "{\"config\": {\n \"Env\": \"A=b\"\n}}", "parse image config: line 2, column 13: json: cannot unmarshal string"},
		{"history entry not an object", "{\"history\": [\"RUN x\"]}", "parse image config: line 1, column 20: json: cannot unmarshal string"},
		{"trailing data", "{} {}", "parse image config: line 1, column 4: invalid character '{' after top-level value"},
		{"too large", "{" + strings.Repeat(" ", MaxConfigSize) + "}", "parse image config: 8388610 bytes, over the limit of 8388608"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Check(context.Background(), []byte(tc.data), Options{})
			var pe *Error
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %v, want a *Error starting %q", err, tc.want)
			}
		})
	}
}

func TestUnjudgedPortIsAProblem(t *testing.T) {
	_, problems, err := Check(context.Background(), []byte(`{"config":{"User":"1","ExposedPorts":{"${PORT}/tcp":{}}}}`), Options{Path: "img"})
	if err != nil || len(problems) != 1 || problems[0].Path != "img/config.ExposedPorts" || !strings.Contains(problems[0].Message, "${PORT}/tcp") {
		t.Errorf("problems = %+v, %v; want one naming the port", problems, err)
	}
}

func TestLocateSeam(t *testing.T) {
	data := image(t, nil, step("RUN /bin/sh -c sudo make # buildkit"))
	var gotIndex int
	var gotBy string
	fs, _, err := Check(context.Background(), data, Options{Path: "img", Locate: func(i int, by string) (l finding.Location) {
		gotIndex, gotBy = i, by
		return finding.Location{Path: "layer/" + by}
	}})
	if err != nil || len(fs) != 1 || gotIndex != 2 || gotBy != "RUN /bin/sh -c sudo make # buildkit" || fs[0].Location.Path != "layer/"+gotBy {
		t.Errorf("findings %+v, Locate saw %d %q", fs, gotIndex, gotBy)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Check(ctx, image(t, nil), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// A config of many exposed ranges (each a distinct key) costs neither a walk of every range nor
// a finding per key: each sensitive port is named once per place.
func TestManyExposedRanges(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"config":{"User":"1","Healthcheck":{"Test":["CMD","true"]},"ExposedPorts":{`)
	for i := range 30000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"1-65535/p%d":{}`, i)
	}
	b.WriteString(`}}}`)
	fs, _, err := Check(context.Background(), []byte(b.String()), Options{Path: "img"})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, f := range fs {
		count[f.RuleID]++
	}
	if diff := cmp.Diff(map[string]int{"docker-expose-ssh": 1, "docker-expose-sensitive-port": 17}, count); diff != "" {
		t.Errorf("findings per rule (-want +got):\n%s", diff)
	}
}
