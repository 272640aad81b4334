package sbom

import (
	"bytes"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/palisade-sec/palisade/internal/inventory"
)

// FuzzWriters feeds hostile names, versions, licences and hashes — as a lockfile could declare
// them — through both writers and checks that every document still validates against its schema.
func FuzzWriters(f *testing.F) {
	data := sharedData(f)
	schemas := map[Format]*jsonschema.Schema{CycloneDX: compileSchema(f, data, CycloneDX), SPDX: compileSchema(f, data, SPDX)}
	f.Add("express", "4.19.2", "MIT", "sha256", "abab")
	f.Add("@scope/näme with spaces", "", "(MIT OR Frob)", "sha512", "")
	f.Add("org.example:artifact", "1.0-SNAPSHOT", "LicenseRef-x y", "h1", "xyz=")
	f.Fuzz(func(t *testing.T, name, version, lic, alg, hash string) {
		if name == "" {
			return // the inventory never holds a nameless package
		}
		eco := inventory.NPM
		if len(name)%2 == 1 {
			eco = inventory.Maven
		}
		pkgs := []inventory.Package{
			{Name: name, Version: version, Ecosystem: eco, PURL: inventory.PURL(eco, name, version), Direct: true,
				Licenses: []string{lic}, Hashes: map[string]string{alg: hash}, DependsOn: []string{"npm/other@1.0.0"},
				Properties: map[string]string{lic: hash}},
			{Name: "other", Version: "1.0.0", Ecosystem: inventory.NPM, PURL: "pkg:npm/other@1.0.0"},
		}
		for format, sch := range schemas {
			var buf bytes.Buffer
			if err := Write(&buf, format, pkgs, fixed); err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%s: not JSON: %v", format, err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("%s document for name %q version %q licence %q does not validate: %v", format, name, version, lic, err)
			}
		}
	})
}
