package inventory_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/palisade-sec/palisade/internal/inventory"
)

func ExampleExtract() {
	fsys := fstest.MapFS{
		"go.mod":        {Data: []byte("module example.com/app\n\ngo 1.22.0\n\ntoolchain go1.22.5\n\nrequire (\n\tgithub.com/go-chi/chi/v5 v5.0.12\n\tgolang.org/x/text v0.14.0 // indirect\n)\n")},
		"web/yarn.lock": {Data: []byte("# yarn lockfile v1\n\nleft-pad@^1.3.0:\n  version \"1.3.0\"\n")},
		"README.md":     {Data: []byte("# app\n")},
	}
	var files []string
	for name := range fsys {
		if inventory.Wants(name) {
			files = append(files, name)
		}
	}
	pkgs, problems, err := inventory.Extract(context.Background(), fsys, files)
	if err != nil {
		panic(err)
	}
	for _, p := range pkgs {
		fmt.Printf("%s:%d %s direct=%v %s\n", p.Location.Path, p.Location.StartLine, p.Key(), p.Direct, p.PURL)
	}
	fmt.Println(len(problems), "problems")
	// Output:
	// go.mod:5 Go/stdlib@1.22.5 direct=true pkg:golang/stdlib@v1.22.5
	// go.mod:8 Go/github.com/go-chi/chi/v5@5.0.12 direct=true pkg:golang/github.com/go-chi/chi/v5@v5.0.12
	// go.mod:9 Go/golang.org/x/text@0.14.0 direct=false pkg:golang/golang.org/x/text@v0.14.0
	// web/yarn.lock:3 npm/left-pad@1.3.0 direct=true pkg:npm/left-pad@1.3.0
	// 0 problems
}

// An image's file system is read with Options.Installed: what package managers installed, not
// only lockfiles. A caller that keeps only some files of each layer asks WantsInstalled (and keeps
// executables, which are recognised by content).
func ExampleExtractWith_installed() {
	fsys := fstest.MapFS{
		"app/package.json":                                            {Data: []byte(`{"name": "app", "dependencies": {"ms": "^2.1.3"}}`)},
		"app/node_modules/ms/package.json":                            {Data: []byte(`{"name": "ms", "version": "2.1.3", "license": "MIT"}`)},
		"usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA": {Data: []byte("Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0\nLicense: MIT\n")},
		"usr/lib/python3/dist-packages/yaml/__init__.py":              {Data: []byte("")},
	}
	var files []string
	for name := range fsys {
		if inventory.WantsInstalled(name) {
			files = append(files, name)
		}
	}
	pkgs, problems, err := inventory.ExtractWith(context.Background(), fsys, files, inventory.Options{Installed: true})
	if err != nil {
		panic(err)
	}
	for _, p := range pkgs {
		fmt.Println(p.Location.Path, p.Key(), p.Licenses, p.PURL)
	}
	fmt.Println(len(problems), "problems")
	// Output:
	// app/node_modules/ms/package.json npm/ms@2.1.3 [MIT] pkg:npm/ms@2.1.3
	// usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA PyPI/pyyaml@6.0 [MIT] pkg:pypi/pyyaml@6.0
	// 0 problems
}
