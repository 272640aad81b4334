package inventory

import (
	"strings"
	"testing"
)

func TestPURL(t *testing.T) {
	tests := []struct {
		eco, name, version string
		want               string
	}{
		{Go, "github.com/go-chi/chi/v5", "5.0.12", "pkg:golang/github.com/go-chi/chi/v5@v5.0.12"},
		{Go, Stdlib, "1.22.5", "pkg:golang/stdlib@v1.22.5"},
		{Go, "github.com/Azure/azure-sdk-for-go", "68.0.0+incompatible", "pkg:golang/github.com/Azure/azure-sdk-for-go@v68.0.0%2Bincompatible"},
		{NPM, "@types/node", "20.11.30", "pkg:npm/%40types/node@20.11.30"},
		{NPM, "lodash", "4.17.21", "pkg:npm/lodash@4.17.21"},
		{PyPI, "Django", "4.2.11", "pkg:pypi/django@4.2.11"},
		{PyPI, "typing_extensions", "4.10.0", "pkg:pypi/typing-extensions@4.10.0"},
		{PyPI, "zope.interface", "6.2", "pkg:pypi/zope-interface@6.2"},
		{PyPI, "requests", "", "pkg:pypi/requests"},
		{CratesIO, "serde", "1.0.197", "pkg:cargo/serde@1.0.197"},
		{Maven, "org.apache.logging.log4j:log4j-core", "2.17.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"},
		{RubyGems, "nokogiri", "1.16.2", "pkg:gem/nokogiri@1.16.2"},
		{Packagist, "Symfony/Yaml", "7.0.3", "pkg:composer/symfony/yaml@7.0.3"},
		{NuGet, "Newtonsoft.Json", "13.0.3", "pkg:nuget/Newtonsoft.Json@13.0.3"},
		{"Debian", "openssl", "3.0.11", ""},
		{NPM, "", "1.0.0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := PURL(tt.eco, tt.name, tt.version)
			if got != tt.want {
				t.Errorf("PURL(%q, %q, %q) = %q, want %q", tt.eco, tt.name, tt.version, got, tt.want)
			}
			if got == "" {
				return
			}
			eco, name, version, err := ParsePURL(got)
			if err != nil {
				t.Fatalf("ParsePURL(%q): %v", got, err)
			}
			wantName := tt.name
			switch tt.eco {
			case PyPI:
				wantName = normalizePyPI(tt.name)
			case Packagist:
				wantName = "symfony/yaml"
			}
			if eco != tt.eco || name != wantName || version != tt.version {
				t.Errorf("ParsePURL(%q) = %q %q %q", got, eco, name, version)
			}
		})
	}
}

func TestParsePURLErrors(t *testing.T) {
	for _, s := range []string{"", "npm/lodash@1", "pkg:", "pkg:npm", "pkg:deb/debian/openssl@3", "pkg:npm/%zz@1", "pkg:npm/lodash@%zz"} {
		if _, _, _, err := ParsePURL(s); err == nil {
			t.Errorf("ParsePURL(%q) succeeded", s)
		}
	}
	eco, name, version, err := ParsePURL("pkg:maven/org.apache.commons/commons-text@1.9?type=jar#sub")
	if err != nil || eco != Maven || name != "org.apache.commons:commons-text" || version != "1.9" {
		t.Errorf("qualifiers and subpath: %q %q %q %v", eco, name, version, err)
	}
}

func TestJSONLines(t *testing.T) {
	doc := "{\n  \"a\": {\n    \"b\": [\n      {\"c\": 1},\n      2,\n      {\n        \"d\": {}\n      }\n    ]\n  },\n  \"e\": []\n}\n"
	got, err := jsonLines([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := map[pathKey]int{
		jsonPath():                   1,
		jsonPath("a"):                2,
		jsonPath("a", "b"):           3,
		jsonPath("a", "b", "0"):      4,
		jsonPath("a", "b", "2"):      6,
		jsonPath("a", "b", "2", "d"): 7,
		jsonPath("e"):                11,
	}
	for k, line := range want {
		if got[k] != line {
			t.Errorf("line of %v = %d, want %d", k, got[k], line)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d entries, want %d: %v", len(got), len(want), got)
	}
	var v any
	if _, err := decodeJSON([]byte("[\n[\n{"), &v); err == nil || lineOf(err) != 3 {
		t.Errorf("unterminated document: error %v, want one at line 3", err)
	}
	if _, err := decodeJSON([]byte("{\"k\\\"ey\": {\"x\": [\n{}]}}"), &v); err != nil {
		t.Errorf("escaped key: %v", err)
	} else if got, _ := jsonLines([]byte("{\"k\\\"ey\": {\"x\": [\n{}]}}")); got[jsonPath(`k"ey`, "x", "0")] != 2 {
		t.Errorf("escaped key not decoded: %v", got)
	}
	if _, err := jsonLines([]byte(strings.Repeat("[", maxNesting+1))); err == nil {
		t.Errorf("nesting past the limit accepted")
	}
	if _, err := decodeJSON([]byte("{\n\"a\": [1,\n}"), &v); lineOf(err) != 3 {
		t.Errorf("error %v, want one at line 3", err)
	}
}
