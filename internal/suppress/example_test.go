package suppress_test

import (
	"context"
	"fmt"
	"testing/fstest"
	"time"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/suppress"
)

func ExampleParseDirective() {
	d, found, err := suppress.ParseDirective(`password: example # palisade:ignore generic-password local development only`)
	fmt.Println(found, err, d.RuleID, "|", d.Reason)

	_, found, err = suppress.ParseDirective(`password: example # palisade:ignore generic-password`)
	fmt.Println(found, err)
	// Output:
	// true <nil> generic-password | local development only
	// true missing reason for rule generic-password: a palisade:ignore comment must say why
}

func ExampleApply() {
	tree := fstest.MapFS{
		"config/dev.yaml": {Data: []byte("db:\n  # palisade:ignore generic-password throwaway local database\n  password: example-pass\n")},
		"test/db.env":     {Data: []byte("PASSWORD=example-pass\n")},
		"prod/db.env":     {Data: []byte("PASSWORD=example-pass # palisade:ignore generic-password\n")},
	}
	ignore, err := suppress.ParseIgnoreFile(".palisadeignore.yaml", []byte(`version: 1
ignore:
  - paths: ["test/**"]
    reason: fixtures
`))
	if err != nil {
		panic(err)
	}
	findings := []finding.Finding{
		{RuleID: "generic-password", Location: finding.Location{Path: "config/dev.yaml", StartLine: 3}},
		{RuleID: "generic-password", Location: finding.Location{Path: "test/db.env", StartLine: 1}},
		{RuleID: "generic-password", Location: finding.Location{Path: "prod/db.env", StartLine: 1}},
	}
	out, problems, err := suppress.Apply(context.Background(), findings, suppress.Options{
		Lines:  suppress.FileLines(suppress.FSReader(tree), nil),
		Ignore: ignore,
		Now:    time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	for _, f := range out {
		if s := f.Suppression; s != nil {
			fmt.Printf("%s: %s by %s (%s)\n", f.Location.Path, s.Kind, s.Source, s.Reason)
		} else {
			fmt.Printf("%s: counts\n", f.Location.Path)
		}
	}
	for _, p := range problems {
		fmt.Println("problem:", p.Path, p.Message)
	}
	// Output:
	// config/dev.yaml: inline by config/dev.yaml:2 (throwaway local database)
	// test/db.env: ignore-file by .palisadeignore.yaml:3 (fixtures)
	// prod/db.env: counts
	// problem: prod/db.env palisade:ignore: missing reason for rule generic-password: a palisade:ignore comment must say why; it suppresses nothing
}
