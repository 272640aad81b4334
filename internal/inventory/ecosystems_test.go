package inventory

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOtherEcosystems(t *testing.T) {
	dev := map[string]string{PropScope: ScopeDev}
	tests := []struct {
		name      string
		dir       string
		want      []view
		wantProbs []string // "path:line" of each expected problem
	}{
		{
			name: "Cargo.lock: workspace crates are the root, versions disambiguate",
			dir:  "rust",
			want: []view{
				{Key: "crates.io/bytes@1.5.0", Line: 5},
				{Key: "crates.io/hyper@1.2.0", Line: 19, Direct: true, DependsOn: []string{"crates.io/bytes@1.5.0", "crates.io/tokio@1.36.0"}},
				{Key: "crates.io/tokio@0.2.25", Line: 29},
				{Key: "crates.io/tokio@1.36.0", Line: 35, Direct: true, DependsOn: []string{"crates.io/bytes@1.5.0"}},
				{Key: "crates.io/legacy-shim@0.1.0", Line: 44, DependsOn: []string{"crates.io/tokio@0.2.25"}},
			},
		},
		{
			name: "pom.xml with a local parent, properties and dependencyManagement",
			dir:  "java/multi",
			want: []view{
				{Key: "Maven/com.fasterxml.jackson.core:jackson-databind@2.16.2", Line: 16, Direct: true},
				{Key: "Maven/org.apache.logging.log4j:log4j-core@2.17.1", Line: 21, Direct: true},
				{Key: "Maven/com.example.orders:orders-model@2.1.0", Line: 25, Direct: true},
				{Key: "Maven/org.junit.jupiter:junit-jupiter@5.10.2", Line: 29, Direct: true, Props: dev},
				{Key: "Maven/io.micrometer:micrometer-core@", Line: 35, Direct: true},
			},
			wantProbs: []string{"app/pom.xml:35"},
		},
		{
			name: "gradle.lockfile",
			dir:  "java/gradle",
			want: []view{
				{Key: "Maven/com.google.guava:failureaccess@1.0.2", Line: 4},
				{Key: "Maven/com.google.guava:guava@33.0.0-jre", Line: 5},
				{Key: "Maven/org.junit.jupiter:junit-jupiter-api@5.10.2", Line: 6, Props: dev},
				{Key: "Maven/org.yaml:snakeyaml@2.2", Line: 7},
			},
		},
		{
			name: "Gemfile.lock with GIT and GEM sources and a platform gem",
			dir:  "ruby",
			want: []view{
				{Key: "RubyGems/sidekiq-throttle@0.4.2", Line: 5, Direct: true, DependsOn: []string{"RubyGems/sidekiq@7.2.2"}},
				{Key: "RubyGems/connection_pool@2.4.1", Line: 11},
				{Key: "RubyGems/nokogiri@1.16.2", Line: 12, Direct: true, DependsOn: []string{"RubyGems/racc@1.7.3"}, Props: map[string]string{PropPlatform: "x86_64-linux"}},
				{Key: "RubyGems/racc@1.7.3", Line: 14},
				{Key: "RubyGems/rack@3.0.9.1", Line: 15},
				{Key: "RubyGems/redis-client@0.20.0", Line: 16, DependsOn: []string{"RubyGems/connection_pool@2.4.1"}},
				{Key: "RubyGems/sidekiq@7.2.2", Line: 18, Direct: true, DependsOn: []string{"RubyGems/connection_pool@2.4.1", "RubyGems/rack@3.0.9.1", "RubyGems/redis-client@0.20.0"}},
			},
		},
		{
			name: "composer.lock with composer.json",
			dir:  "php",
			want: []view{
				{Key: "Packagist/guzzlehttp/guzzle@7.8.1", Line: 7, Direct: true, DependsOn: []string{"Packagist/guzzlehttp/psr7@2.6.2"}},
				{Key: "Packagist/guzzlehttp/psr7@2.6.2", Line: 24},
				{Key: "Packagist/phpunit/phpunit@10.5.13", Line: 39, Direct: true, Props: dev},
				{Key: "Packagist/symfony/yaml@7.0.3", Line: 46, Props: dev},
			},
		},
		{
			name: "packages.lock.json over two frameworks",
			dir:  "dotnet",
			want: []view{
				{Key: "NuGet/Newtonsoft.Json@13.0.3", Line: 30, Direct: true},
				{Key: "NuGet/Serilog.Sinks.Console@5.0.1", Line: 11, Direct: true, DependsOn: []string{"NuGet/Serilog@3.1.1"}},
				{Key: "NuGet/Serilog@3.1.1", Line: 20},
			},
		},
		{
			name: "CycloneDX and SPDX SBOMs as input",
			dir:  "sbom",
			want: []view{
				{Key: "npm/express@4.18.2", Line: 14, Direct: true, DependsOn: []string{"npm/cookie@0.5.0"}},
				{Key: "npm/cookie@0.5.0", Line: 23},
				{Key: "Maven/org.apache.commons:commons-text@1.9", Line: 32, Direct: true},
				// An OS package whose purl names no distro release: listed, and the problem below
				// says it cannot be matched.
				{Key: "Debian/openssl@3.0.11-1~deb12u2", Line: 41, Direct: true, Props: map[string]string{"arch": "amd64"}},
				{Key: "PyPI/requests@2.31.0", Line: 14, Direct: true, DependsOn: []string{"PyPI/urllib3@2.0.7"}},
				{Key: "PyPI/urllib3@2.0.7", Line: 23},
				{Key: "crates.io/serde@1.0.197", Line: 31, Direct: true},
			},
			wantProbs: []string{"app.cdx.json:0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, probs := extractDir(t, tt.dir)
			var gotProbs []string
			for _, p := range probs {
				gotProbs = append(gotProbs, p.Path+":"+strconv.Itoa(p.Line))
				if p.Message == "" {
					t.Errorf("problem without a message: %+v", p)
				}
			}
			if diff := cmp.Diff(tt.wantProbs, gotProbs, viewOpts); diff != "" {
				t.Errorf("problems (-want +got):\n%s\n%+v", diff, probs)
			}
			if diff := cmp.Diff(tt.want, views(pkgs), viewOpts); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOtherEcosystemDetails(t *testing.T) {
	tests := []struct {
		dir, key       string
		purl           string
		licenses       []string
		hashAlg, hash  string
		locationSuffix string
	}{
		{dir: "rust", key: "crates.io/hyper@1.2.0", purl: "pkg:cargo/hyper@1.2.0", hashAlg: "sha256", hash: "186548d73ac615b32a73aafe38fb4f56c0d340e110e5a200bcadbaf2e199263a"},
		{dir: "java/multi", key: "Maven/com.example.orders:orders-model@2.1.0", purl: "pkg:maven/com.example.orders/orders-model@2.1.0", licenses: []string{"MIT"}, locationSuffix: "app/pom.xml"},
		{dir: "ruby", key: "RubyGems/nokogiri@1.16.2", purl: "pkg:gem/nokogiri@1.16.2"},
		{dir: "php", key: "Packagist/guzzlehttp/psr7@2.6.2", purl: "pkg:composer/guzzlehttp/psr7@2.6.2", licenses: []string{"MIT"}, hashAlg: "sha1", hash: "0d1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c"},
		{dir: "dotnet", key: "NuGet/Serilog@3.1.1", purl: "pkg:nuget/Serilog@3.1.1", hashAlg: "sha512"},
		{dir: "sbom", key: "npm/express@4.18.2", purl: "pkg:npm/express@4.18.2", licenses: []string{"MIT"}, hashAlg: "sha256", hash: "4fdd8f0f48a2b7e4e6d2f1c3b5a79886e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0"},
		{dir: "sbom", key: "crates.io/serde@1.0.197", purl: "pkg:cargo/serde@1.0.197", licenses: []string{"MIT OR Apache-2.0"}, locationSuffix: "app.spdx.json"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			pkgs, _ := extractDir(t, tt.dir)
			p, ok := find(pkgs, tt.key)
			if !ok {
				t.Fatalf("%s not found", tt.key)
			}
			if p.PURL != tt.purl {
				t.Errorf("purl = %q, want %q", p.PURL, tt.purl)
			}
			if diff := cmp.Diff(tt.licenses, p.Licenses, viewOpts); diff != "" {
				t.Errorf("licences (-want +got):\n%s", diff)
			}
			if tt.hashAlg != "" && (p.Hashes[tt.hashAlg] == "" || tt.hash != "" && p.Hashes[tt.hashAlg] != tt.hash) {
				t.Errorf("hash %s = %q, want %q", tt.hashAlg, p.Hashes[tt.hashAlg], tt.hash)
			}
			if !strings.HasSuffix(p.Location.Path, tt.locationSuffix) {
				t.Errorf("location %q", p.Location.Path)
			}
		})
	}
}

func TestOtherEcosystemProblems(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		body     string
		wantLine int
	}{
		{"Cargo.lock not TOML", "Cargo.lock", "version = 3\n\n[[package]\nname = \"a\"\n", 3},
		{"Cargo.lock package without version", "Cargo.lock", "version = 3\n\n[[package]]\nname = \"a\"\n", 3},
		{"pom.xml not XML", "pom.xml", "<project>\n  <dependencies>\n    <dependency>\n  </dependencies>\n</project>\n", 4},
		{"pom.xml dependency without artifactId", "pom.xml", "<project>\n  <dependencies>\n    <dependency>\n      <groupId>a</groupId>\n    </dependency>\n  </dependencies>\n</project>\n", 3},
		{"gradle.lockfile bad line", "gradle.lockfile", "# x\ncom.a:b=runtimeClasspath\n", 2},
		{"Gemfile.lock bad spec", "Gemfile.lock", "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack 3.0\n", 4},
		{"composer.lock package without version", "composer.lock", "{\n  \"packages\": [\n    {\"name\": \"a/b\"}\n  ]\n}\n", 3},
		{"packages.lock.json unresolved", "packages.lock.json", "{\n  \"version\": 1,\n  \"dependencies\": {\n    \"net8.0\": {\n      \"A\": {\"type\": \"Direct\"}\n    }\n  }\n}\n", 5},
		{"cdx.json wrong format", "x.cdx.json", "{\n  \"bomFormat\": \"SPDX\"\n}\n", 0},
		{"spdx.json wrong version", "x.spdx.json", "{\n  \"spdxVersion\": \"SPDX-3.0\"\n}\n", 0},
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

func TestForeignBOMJSONIsIgnored(t *testing.T) {
	pkgs, probs := extractMap(t, map[string]string{"bom.json": `{"parts": ["bolt", "nut"]}`})
	if len(pkgs) != 0 || len(probs) != 0 {
		t.Errorf("a bom.json that is not CycloneDX gave %v / %+v", pkgs, probs)
	}
}
