package license

import (
	"strings"
	"testing"
)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"MIT", "Apache 2.0", "(MIT OR Apache-2.0)", "MIT/Apache-2.0", "GPL-2.0-only WITH Classpath-exception-2.0", "License :: OSI Approved :: BSD License", "((", "AND OR"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := Normalize(s)
		if !ok {
			if got != "" {
				t.Fatalf("Normalize(%q) = %q with ok=false", s, got)
			}
			return
		}
		// What Normalize returns is a fixed point: normalising it again changes nothing.
		again, ok2 := Normalize(got)
		if !ok2 || again != got {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q, %v", s, got, got, again, ok2)
		}
		if strings.TrimSpace(got) != got {
			t.Fatalf("Normalize(%q) = %q has surrounding space", s, got)
		}
	})
}

func FuzzClassify(f *testing.F) {
	f.Add([]byte("Permission is hereby granted, free of charge, to any person obtaining a copy"))
	f.Add([]byte("GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007"))
	f.Add([]byte("Redistribution and use in source and binary forms, with or without modification, are permitted"))
	f.Fuzz(func(t *testing.T, text []byte) {
		id, ok := Classify(text)
		if ok != (id != "") {
			t.Fatalf("Classify = %q, %v", id, ok)
		}
		if ok && !IsKnown(id) {
			t.Fatalf("Classify returned %q, not a known SPDX id", id)
		}
	})
}
