package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// ExampleDir scans a small tree with a secret-like analyzer: the .gitignore'd file, the vendored
// directory and the lock file are skipped and say why.
func ExampleDir() {
	root, err := os.MkdirTemp("", "palisade-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(root)
	for name, content := range map[string]string{
		".gitignore":        "*.local\n",
		"app.env":           "PASSWORD=SECRET\n",
		"dev.local":         "SECRET\n",
		"node_modules/m.js": "SECRET\n",
		"package-lock.json": "{}\n",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		_ = os.WriteFile(p, []byte(content), 0o644)
	}

	run, err := Dir(context.Background(), root, Options{Analyzers: []Analyzer{markerFinder{}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range run.Findings {
		fmt.Printf("finding %s at %s:%d\n", f.RuleID, f.Location.Path, f.Location.StartLine)
	}
	for _, s := range run.Skipped {
		fmt.Printf("skipped %s (%s)\n", s.Path, s.Reason)
	}
	// Output:
	// finding marker at app.env:1
	// skipped dev.local (gitignore)
	// skipped node_modules (default-rule)
	// skipped package-lock.json (default-rule)
}
