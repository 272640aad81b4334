package inventory

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPython(t *testing.T) {
	dev := map[string]string{PropScope: ScopeDev}
	tests := []struct {
		name string
		dir  string
		want []view
	}{
		{
			name: "requirements with includes, constraints, extras, markers, hashes and ranges",
			dir:  "python/req",
			want: []view{
				{Key: "PyPI/Django@4.2.11", Line: 6, Direct: true},
				{Key: "PyPI/celery@5.3.6", Line: 7, Direct: true, Props: map[string]string{PropMarker: `python_version >= "3.8"`, PropExtras: "redis,sqs"}},
				{Key: "PyPI/requests@", Line: 8, Direct: true, Props: map[string]string{PropSpecifier: ">=2.31,<3"}},
				{Key: "PyPI/urllib3@2.2.1", Line: 9, Direct: true},
				{Key: "PyPI/psycopg2-binary@2.9.9", Line: 10, Direct: true},
				{Key: "PyPI/pydantic@2.6.4", Line: 1, Direct: true},
				{Key: "PyPI/typing_extensions@4.10.0", Line: 2, Direct: true},
			},
		},
		{
			name: "pip-compile annotations give the graph",
			dir:  "python/pipcompile",
			want: []view{
				{Key: "PyPI/blinker@1.7.0", Line: 7},
				{Key: "PyPI/click@8.1.7", Line: 9},
				{Key: "PyPI/flask@3.0.2", Line: 11, Direct: true, DependsOn: []string{"PyPI/blinker@1.7.0", "PyPI/click@8.1.7", "PyPI/itsdangerous@2.1.2", "PyPI/jinja2@3.1.3", "PyPI/werkzeug@3.0.1"}},
				{Key: "PyPI/flask-cors@4.0.0", Line: 15, Direct: true, DependsOn: []string{"PyPI/flask@3.0.2"}},
				{Key: "PyPI/itsdangerous@2.1.2", Line: 17},
				{Key: "PyPI/jinja2@3.1.3", Line: 19, DependsOn: []string{"PyPI/markupsafe@2.1.5"}},
				{Key: "PyPI/markupsafe@2.1.5", Line: 21},
				{Key: "PyPI/werkzeug@3.0.1", Line: 25, DependsOn: []string{"PyPI/markupsafe@2.1.5"}},
			},
		},
		{
			name: "poetry.lock with pyproject groups",
			dir:  "python/poetry",
			want: []view{
				{Key: "PyPI/anyio@4.3.0", Line: 3, DependsOn: []string{"PyPI/idna@3.6", "PyPI/sniffio@1.3.1"}},
				{Key: "PyPI/httpx@0.27.0", Line: 17, Direct: true, DependsOn: []string{"PyPI/anyio@4.3.0", "PyPI/idna@3.6", "PyPI/sniffio@1.3.1"}},
				{Key: "PyPI/idna@3.6", Line: 33},
				{Key: "PyPI/pytest@8.1.1", Line: 41, Direct: true, Props: dev},
				{Key: "PyPI/sniffio@1.3.1", Line: 52},
			},
		},
		{
			name: "Pipfile.lock with Pipfile",
			dir:  "python/pipenv",
			want: []view{
				{Key: "PyPI/certifi@2024.2.2", Line: 19, Props: map[string]string{PropMarker: "python_version >= '3.6'"}},
				{Key: "PyPI/requests@2.31.0", Line: 26, Direct: true, Props: map[string]string{PropMarker: "python_version >= '3.7'"}},
				{Key: "PyPI/black@24.3.0", Line: 36, Direct: true, Props: dev},
			},
		},
		{
			name: "uv.lock: the editable project is the root",
			dir:  "python/uv",
			want: []view{
				{Key: "PyPI/certifi@2024.2.2", Line: 4},
				{Key: "PyPI/requests@2.31.0", Line: 23, Direct: true, DependsOn: []string{"PyPI/certifi@2024.2.2"}},
				{Key: "PyPI/ruff@0.3.4", Line: 32, Direct: true, Props: dev},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, probs := extractDir(t, tt.dir)
			if len(probs) > 0 {
				t.Errorf("problems: %+v", probs)
			}
			if diff := cmp.Diff(tt.want, views(pkgs), viewOpts); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPythonDetails(t *testing.T) {
	pkgs, _ := extractDir(t, "python/req")
	psy, _ := find(pkgs, "PyPI/psycopg2-binary@2.9.9")
	if psy.Hashes["sha256"] != "c2470da5418b76232f02a2fcd2229537bb2d5a7096674ce61859c3229f2eb202" {
		t.Errorf("first --hash not kept: %v", psy.Hashes)
	}
	if psy.Location.Path != "requirements.txt" {
		t.Errorf("path %q", psy.Location.Path)
	}
	pyd, _ := find(pkgs, "PyPI/typing_extensions@4.10.0")
	if pyd.Location.Path != "requirements-base.txt" || pyd.PURL != "pkg:pypi/typing-extensions@4.10.0" {
		t.Errorf("included package at %q purl %q", pyd.Location.Path, pyd.PURL)
	}
	uv, _ := extractDir(t, "python/uv")
	req, _ := find(uv, "PyPI/requests@2.31.0")
	if req.Hashes["sha256"] != "942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1" {
		t.Errorf("uv sdist hash: %v", req.Hashes)
	}
}

func TestPythonLicencesFromSitePackages(t *testing.T) {
	pkgs, _ := extractDir(t, "python/venvlic")
	tests := []struct{ key, want string }{
		{"PyPI/requests@2.31.0", "Apache-2.0"}, // License: field, normalised
		{"PyPI/Flask-Cors@4.0.0", "MIT"},       // UNKNOWN field, classifier wins
	}
	for _, tt := range tests {
		p, ok := find(pkgs, tt.key)
		if !ok {
			t.Fatalf("%s missing from %v", tt.key, views(pkgs))
		}
		if diff := cmp.Diff([]string{tt.want}, p.Licenses); diff != "" {
			t.Errorf("%s licences (-want +got):\n%s", tt.key, diff)
		}
	}
}

func TestPythonProblems(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		body     string
		wantPath string
		wantLine int
	}{
		{"bad specifier", "requirements.txt", "flask==3.0\nrequests 2.0\n", "requirements.txt", 2},
		{"missing include", "requirements.txt", "flask==3.0\n-r missing.txt\n", "requirements.txt", 2},
		{"poetry not TOML", "poetry.lock", "[[package]]\nname = \"a\"\nversion = \n", "poetry.lock", 3},
		{"poetry package without version", "poetry.lock", "[[package]]\nname = \"a\"\n", "poetry.lock", 1},
		{"Pipfile.lock wrong type", "Pipfile.lock", "{\n  \"default\": {\n    \"a\": {\"version\": 3}\n  }\n}\n", "Pipfile.lock", 3},
		{"uv.lock package without name", "uv.lock", "version = 1\n\n[[package]]\nversion = \"1\"\n", "uv.lock", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := extractMap(t, map[string]string{tt.file: tt.body})
			if len(probs) != 1 || probs[0].Path != tt.wantPath || probs[0].Line != tt.wantLine {
				t.Errorf("problems = %+v, want one at %s:%d", probs, tt.wantPath, tt.wantLine)
			}
		})
	}
}
