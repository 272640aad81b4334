package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStaticTemplate(t *testing.T) {
	tests := []struct {
		name, tmpl, want string
	}{
		{"values become placeholders, lines of actions blank",
			"kind: Pod\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Name }}\n  labels:\n    {{- include \"labels\" . | nindent 4 }}\n",
			"kind: Pod\nmetadata:\n  name: palisade-template-value-palisade-template-value\n  labels:\n\n"},
		{"first branch kept, else branches and defines blanked",
			"{{- if .Values.a }}\nprivileged: true\n{{- else if .Values.b }}\nprivileged: false\n{{- else }}\nx: 1\n{{- end }}\n{{ define \"h\" }}\nhelper: 1\n{{ end }}\ny: 2\n",
			"\nprivileged: true\n\n\n\n\n\n\n\n\ny: 2\n"},
		{"range body kept once", "env:\n{{- range .Values.env }}\n  - name: {{ .name }}\n{{- end }}\n", "env:\n\n  - name: palisade-template-value\n\n"},
		{"comments, assignments and template calls write nothing",
			"{{/* a }} comment */}}\n{{- $x := 1 }}\n{{ template \"t\" . }}\na: 1 {{- /* trailing */}}\n", "\n\n\na: 1 \n"},
		{"braces inside strings", "a: {{ printf \"}}\" }}\nb: {{ `}}` }}\n", "a: palisade-template-value\nb: palisade-template-value\n"},
		{"action over several lines", "a: {{ list\n  1\n  2 }}\nb: 1\n", "a: palisade-template-value\n\n\nb: 1\n"},
		{"unclosed action ends with its line when another follows", "image: \"{{ .Values.x }}\" {{ .Values.oops }\nname: {{ .n }}\n", "image: \"palisade-template-value\" \nname: palisade-template-value\n"},
		{"unclosed action at the end", "a: 1\nb: {{ .x\nc: 2\n", "a: 1\nb: \n\n"},
		{"stray end", "{{ end }}\na: 1\n{{ else }}\nb: 2\n", "\na: 1\n\nb: 2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := staticTemplate(tt.tmpl)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("staticTemplate (-want +got):\n%s", diff)
			}
			if n, m := strings.Count(tt.tmpl, "\n"), strings.Count(got, "\n"); n != m {
				t.Errorf("%d lines became %d", n, m)
			}
		})
	}
}
