package inventory

import (
	"context"
	"os"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestLicencesFromLocalMetadata(t *testing.T) {
	mit := []byte("Permission is hereby granted, free of charge, to any person obtaining a copy of this software. The above copyright notice and this permission notice shall be included in all copies.")
	apache := []byte("                                 Apache License\n                           Version 2.0, January 2004\n")
	modCache := fstest.MapFS{
		"github.com/go-chi/chi/v5@v5.0.12/LICENSE":                                  {Data: mit},
		"github.com/!burnt!sushi/toml@v1.3.2/COPYING":                               {Data: mit},
		"github.com/jackc/pgx/v5@v5.5.4/LICENSE":                                    {Data: []byte("All rights reserved. Ask us.")},
		"golang.org/x/crypto@v0.22.0/LICENSE.md":                                    {Data: apache},
		"github.com/jackc/pgpassfile@v1.0.0/README.md":                              {Data: mit},
		"github.com/jackc/pgservicefile@v0.0.0-20221227161230-091c0ba34f0a/LICENSE": {Data: mit},
	}
	pom := func(body string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("<?xml version=\"1.0\"?>\n<project>\n" + body + "\n</project>\n")}
	}
	mavenRepo := fstest.MapFS{
		"com/fasterxml/jackson/core/jackson-databind/2.16.2/jackson-databind-2.16.2.pom": pom(
			"<artifactId>jackson-databind</artifactId><licenses><license><name>The Apache Software License, Version 2.0</name></license></licenses>"),
		"org/apache/logging/log4j/log4j-core/2.17.1/log4j-core-2.17.1.pom": pom(
			"<parent><groupId>org.apache.logging.log4j</groupId><artifactId>log4j</artifactId><version>2.17.1</version></parent><artifactId>log4j-core</artifactId>"),
		"org/apache/logging/log4j/log4j/2.17.1/log4j-2.17.1.pom": pom(
			"<groupId>org.apache.logging.log4j</groupId><artifactId>log4j</artifactId><licenses><license><name>Apache-2.0</name></license></licenses>"),
		"org/junit/jupiter/junit-jupiter/5.10.2/junit-jupiter-5.10.2.pom": pom("<artifactId>junit-jupiter</artifactId><licenses><license><name>Frobnitz Public Licence</name></license></licenses>"),
	}
	tests := []struct {
		name string
		dir  string
		opts Options
		want map[string][]string // key → licences; keys not listed must have none
	}{
		{
			name: "Go module cache, with the cache's escaping and no guessing",
			dir:  "go/basic",
			opts: Options{GoModCache: modCache},
			want: map[string][]string{
				"Go/github.com/go-chi/chi/v5@5.0.12":                                  {"MIT"},
				"Go/golang.org/x/crypto@0.22.0":                                       {"Apache-2.0"}, // the replacement's cache entry
				"Go/github.com/jackc/pgservicefile@0.0.0-20221227161230-091c0ba34f0a": {"MIT"},
				"Go/stdlib@1.22.5":                                                    {"BSD-3-Clause"},
			},
		},
		{
			name: "Go without a module cache",
			dir:  "go/basic",
			want: map[string][]string{"Go/stdlib@1.22.5": {"BSD-3-Clause"}},
		},
		{
			name: "Go vendor directory",
			dir:  "go/vendored",
			want: map[string][]string{"Go/github.com/acme/widget@0.3.1": {"BSD-3-Clause"}, "Go/stdlib@1.21.0": {"BSD-3-Clause"}},
		},
		{
			name: "local Maven repository, following the parent pom",
			dir:  "java/multi",
			opts: Options{MavenRepo: mavenRepo},
			want: map[string][]string{
				"Maven/com.example.orders:orders-model@2.1.0":              {"MIT"}, // a module of the scanned build
				"Maven/com.fasterxml.jackson.core:jackson-databind@2.16.2": {"Apache-2.0"},
				"Maven/org.apache.logging.log4j:log4j-core@2.17.1":         {"Apache-2.0"},              // declared by its parent
				"Maven/org.junit.jupiter:junit-jupiter@5.10.2":             {"Frobnitz Public Licence"}, // unknown: kept as written
			},
		},
		{
			name: "pnpm's store under node_modules/.pnpm",
			dir:  "npm/pnpm-v9",
			want: map[string][]string{"npm/@tanstack/query-core@5.28.4": {"MIT"}},
		},
		{
			name: "node_modules package.json, only for the installed version",
			dir:  "npm/lock-v1",
			want: map[string][]string{"npm/qs@6.7.0": {"BSD-3-Clause"}}, // debug 4.3.4 is installed, not 2.6.9
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, _, err := FromFS(context.Background(), os.DirFS("testdata/"+tt.dir), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, p := range pkgs {
				if len(p.Licenses) > 0 {
					got[p.Key()] = p.Licenses
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("licences (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEscapeModulePath(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml", true},
		{"golang.org/x/mod", "golang.org/x/mod", true},
		{"github.com/a/b!c", "", false},
		{"github.com/a/ü", "", false},
		{"../etc", "", false},
	}
	for _, tt := range tests {
		got, ok := escapeModulePath(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("escapeModulePath(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPyMetadataLicense(t *testing.T) {
	tests := []struct {
		name, meta string
		want       []string
	}{
		{"PEP 639 expression wins", "Name: x\nLicense-Expression: MIT OR Apache-2.0\nClassifier: License :: OSI Approved :: BSD License\n\n", []string{"MIT OR Apache-2.0"}},
		{"classifiers before free text", "Name: x\nLicense: see file\nClassifier: License :: OSI Approved :: ISC License (ISCL)\nClassifier: License :: OSI Approved :: MIT License\n\n", []string{"ISC", "MIT"}},
		{"free text normalised", "Name: x\nLicense: BSD\n\n", []string{"BSD-3-Clause"}},
		{"body ignored", "Name: x\n\nLicense: MIT\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, pyMetadataLicense([]byte(tt.meta))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
