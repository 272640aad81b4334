package inventory

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNPM(t *testing.T) {
	dev := map[string]string{PropScope: ScopeDev}
	opt := map[string]string{PropScope: ScopeOptional}
	tests := []struct {
		name string
		dir  string
		want []view
	}{
		{
			name: "package-lock v3 with nesting, scopes, a workspace and dev/optional",
			dir:  "npm/lock-v3",
			want: []view{
				{Key: "npm/@types/node@20.11.30", Line: 25, Direct: true, DependsOn: []string{"npm/undici-types@5.26.5"}, Props: dev},
				{Key: "npm/accepts@1.3.8", Line: 35},
				{Key: "npm/debug@2.6.9", Line: 44, DependsOn: []string{"npm/ms@2.0.0"}},
				{Key: "npm/ms@2.0.0", Line: 53},
				{Key: "npm/express@4.19.2", Line: 59, Direct: true, DependsOn: []string{"npm/accepts@1.3.8", "npm/debug@2.6.9"}},
				{Key: "npm/fsevents@2.3.3", Line: 69, Direct: true, Props: opt},
				{Key: "npm/lodash@4.17.21", Line: 80, Direct: true},
				{Key: "npm/left-pad@1.3.0", Line: 111, Direct: true}, // installed under the workspace that requires it
				{Key: "npm/ms@2.1.3", Line: 86, Direct: true},
				{Key: "npm/undici-types@5.26.5", Line: 96, Props: dev},
			},
		},
		{
			name: "package-lock v1 nested dependencies resolved like node",
			dir:  "npm/lock-v1",
			want: []view{
				{Key: "npm/body-parser@1.18.3", Line: 7, Direct: true, DependsOn: []string{"npm/debug@2.6.9", "npm/qs@6.5.2"}},
				{Key: "npm/qs@6.5.2", Line: 16},
				{Key: "npm/debug@2.6.9", Line: 23, DependsOn: []string{"npm/ms@2.0.0"}},
				{Key: "npm/mocha@5.2.0", Line: 31, Direct: true, DependsOn: []string{"npm/debug@3.1.0"}, Props: dev},
				{Key: "npm/debug@3.1.0", Line: 40, DependsOn: []string{"npm/ms@2.0.0"}, Props: dev},
				{Key: "npm/ms@2.0.0", Line: 51},
				{Key: "npm/qs@6.7.0", Line: 56, Direct: true},
			},
		},
		{
			name: "yarn classic with package.json",
			dir:  "npm/yarn-classic",
			want: []view{
				{Key: "npm/@babel/code-frame@7.23.5", Line: 5, Direct: true, DependsOn: []string{"npm/@babel/highlight@7.23.4", "npm/chalk@2.4.2"}},
				{Key: "npm/@babel/highlight@7.23.4", Line: 13, DependsOn: []string{"npm/chalk@2.4.2"}},
				{Key: "npm/chalk@2.4.2", Line: 20},
				{Key: "npm/left-pad@1.3.0", Line: 25, Direct: true, Props: dev}, // package.json devDependencies
			},
		},
		{
			name: "yarn berry: workspace entry gives direct, patch entry merges",
			dir:  "npm/yarn-berry",
			want: []view{
				{Key: "npm/fastify@4.26.2", Line: 17, Direct: true, DependsOn: []string{"npm/pino@8.19.0"}},
				{Key: "npm/pino@8.19.0", Line: 26},
				{Key: "npm/typescript@5.4.2", Line: 33, Direct: true},
			},
		},
		{
			name: "pnpm v6 with peer suffixes",
			dir:  "npm/pnpm-v6",
			want: []view{
				{Key: "npm/js-tokens@4.0.0", Line: 22},
				{Key: "npm/loose-envify@1.4.0", Line: 26, DependsOn: []string{"npm/js-tokens@4.0.0"}},
				{Key: "npm/react-dom@18.2.0", Line: 33, Direct: true, DependsOn: []string{"npm/loose-envify@1.4.0", "npm/react@18.2.0", "npm/scheduler@0.23.0"}},
				{Key: "npm/react@18.2.0", Line: 43, Direct: true, DependsOn: []string{"npm/loose-envify@1.4.0"}},
				{Key: "npm/scheduler@0.23.0", Line: 50, DependsOn: []string{"npm/loose-envify@1.4.0"}},
				{Key: "npm/vitest@1.3.1", Line: 56, Direct: true, Props: dev},
			},
		},
		{
			name: "pnpm v9 importers and snapshots",
			dir:  "npm/pnpm-v9",
			want: []view{
				{Key: "npm/@tanstack/query-core@5.28.4", Line: 33},
				{Key: "npm/@tanstack/react-query@5.28.4", Line: 36, Direct: true, DependsOn: []string{"npm/@tanstack/query-core@5.28.4", "npm/react@18.2.0"}},
				{Key: "npm/clsx@2.1.0", Line: 41, Direct: true},
				{Key: "npm/eslint@8.57.0", Line: 45, Direct: true, Props: dev},
				{Key: "npm/js-tokens@4.0.0", Line: 49},
				{Key: "npm/loose-envify@1.4.0", Line: 52, DependsOn: []string{"npm/js-tokens@4.0.0"}},
				{Key: "npm/react@18.2.0", Line: 56, Direct: true, DependsOn: []string{"npm/loose-envify@1.4.0"}},
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

func TestNPMDetails(t *testing.T) {
	pkgs, _ := extractDir(t, "npm/lock-v3")
	types, _ := find(pkgs, "npm/@types/node@20.11.30")
	if types.PURL != "pkg:npm/%40types/node@20.11.30" {
		t.Errorf("scoped purl = %q", types.PURL)
	}
	leftPad, _ := find(pkgs, "npm/left-pad@1.3.0")
	if leftPad.Location.Path != "package-lock.json" || len(leftPad.Licenses) != 1 || leftPad.Licenses[0] != "WTFPL" {
		t.Errorf("workspace-nested package: %+v", leftPad)
	}
	if diff := cmp.Diff([]string{"MIT"}, types.Licenses); diff != "" {
		t.Errorf("licence from the lockfile (-want +got):\n%s", diff)
	}
	if len(types.Hashes["sha512"]) != 128 {
		t.Errorf("integrity not kept as a sha512 hex digest: %q", types.Hashes["sha512"])
	}
	classic, _ := extractDir(t, "npm/yarn-classic")
	chalk, _ := find(classic, "npm/chalk@2.4.2")
	if len(chalk.Hashes["sha512"]) != 128 {
		t.Errorf("yarn integrity not kept: %v", chalk.Hashes)
	}
}

func TestNPMProblems(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		body     string
		wantLine int
	}{
		{"package-lock not JSON", "package-lock.json", "{\n  \"lockfileVersion\": 2,\n  \"packages\": {\n    \"node_modules/a\": {,}\n  }\n}\n", 4},
		{"package-lock v2 without packages", "package-lock.json", "{\n  \"lockfileVersion\": 2\n}\n", 0},
		{"yarn classic header without colon", "yarn.lock", "# yarn lockfile v1\n\nleft-pad@1.3.0\n  version \"1.3.0\"\n", 3},
		{"yarn classic entry without version", "yarn.lock", "# yarn lockfile v1\n\nleft-pad@1.3.0:\n  resolved \"x\"\n", 3},
		{"yarn berry entry not a mapping", "yarn.lock", "__metadata:\n  version: 8\n\n\"a@npm:1\": 3\n", 4},
		{"pnpm not YAML", "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: [\n", 3},
		{"pnpm key without version", "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  justaname:\n    resolution: {integrity: x}\n", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, probs := extractMap(t, map[string]string{tt.file: tt.body})
			if len(pkgs) != 0 {
				t.Errorf("packages from a broken file: %v", views(pkgs))
			}
			if len(probs) != 1 || probs[0].Path != tt.file || probs[0].Line != tt.wantLine {
				t.Errorf("problems = %+v, want one at %s:%d", probs, tt.file, tt.wantLine)
			}
		})
	}
}

func TestNPMFallbackDirect(t *testing.T) {
	// Without package.json, a package nothing else requires must be one the project asked for.
	lock := "# yarn lockfile v1\n\na@^1.0.0:\n  version \"1.0.0\"\n  dependencies:\n    b \"^2.0.0\"\n\nb@^2.0.0:\n  version \"2.1.0\"\n"
	pkgs, _ := extractMap(t, map[string]string{"yarn.lock": lock})
	want := []view{{Key: "npm/a@1.0.0", Line: 3, Direct: true, DependsOn: []string{"npm/b@2.1.0"}}, {Key: "npm/b@2.1.0", Line: 8}}
	if diff := cmp.Diff(want, views(pkgs), viewOpts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestNPMV1Alias(t *testing.T) {
	lock := `{
  "lockfileVersion": 1,
  "dependencies": {
    "cliui": {
      "version": "8.0.1",
      "requires": {
        "string-width-cjs": "npm:string-width@^4.2.0"
      }
    },
    "string-width-cjs": {
      "version": "npm:string-width@4.2.3"
    }
  }
}
`
	pkgs, probs := extractMap(t, map[string]string{"package-lock.json": lock, "package.json": `{"dependencies": {"string-width-cjs": "npm:string-width@^4"}}`})
	want := []view{
		{Key: "npm/cliui@8.0.1", Line: 4, DependsOn: []string{"npm/string-width@4.2.3"}},
		{Key: "npm/string-width@4.2.3", Line: 10, Direct: true},
	}
	if len(probs) != 0 {
		t.Errorf("problems: %+v", probs)
	}
	if diff := cmp.Diff(want, views(pkgs), viewOpts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestYarnAliases(t *testing.T) {
	tests := []struct {
		name, lock string
		want       []string
	}{
		{"classic", "# yarn lockfile v1\n\n\"string-width-cjs@npm:string-width@^4.2.0\":\n  version \"4.2.3\"\n\nstring-width@^5.0.0:\n  version \"5.1.2\"\n",
			[]string{"npm/string-width@4.2.3", "npm/string-width@5.1.2"}},
		{"berry", "__metadata:\n  version: 8\n\n\"string-width-cjs@npm:string-width@^4.2.0\":\n  version: 4.2.3\n  resolution: \"string-width@npm:4.2.3\"\n\n\"@scope/x@npm:^1.0.0\":\n  version: 1.0.1\n  resolution: \"@scope/x@npm:1.0.1\"\n",
			[]string{"npm/@scope/x@1.0.1", "npm/string-width@4.2.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, probs := extractMap(t, map[string]string{"yarn.lock": tt.lock})
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Key())
			}
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" || len(probs) > 0 {
				t.Errorf("(-want +got):\n%s%+v", diff, probs)
			}
		})
	}
}
