package license

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"MIT", "MIT", true},
		{"mit", "MIT", true},
		{"MIT License", "MIT", true},
		{"The MIT License (MIT)", "MIT", true},
		{"Apache 2.0", "Apache-2.0", true},
		{"Apache License, Version 2.0", "Apache-2.0", true},
		{"Apache Software License", "Apache-2.0", true},
		{"apache-2.0", "Apache-2.0", true},
		{"BSD", "BSD-3-Clause", true},
		{"BSD License", "BSD-3-Clause", true},
		{"Simplified BSD", "BSD-2-Clause", true},
		{"New BSD License", "BSD-3-Clause", true},
		{"ISC License", "ISC", true},
		{"MPL 2.0", "MPL-2.0", true},
		{"GPLv2", "GPL-2.0-only", true},
		{"GPL-2.0", "GPL-2.0-only", true},
		{"GPL-3.0+", "GPL-3.0-or-later", true},
		{"GNU General Public License v3 (GPLv3)", "GPL-3.0-only", true},
		{"LGPL-2.1", "LGPL-2.1-only", true},
		{"AGPLv3", "AGPL-3.0-only", true},
		{"The Unlicense", "Unlicense", true},
		{"CC0 1.0 Universal", "CC0-1.0", true},
		{"License :: OSI Approved :: MIT License", "MIT", true},
		{"License :: OSI Approved :: Apache Software License", "Apache-2.0", true},
		{"License :: OSI Approved :: ISC License (ISCL)", "ISC", true},
		{"License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0", true},
		{"(MIT OR Apache-2.0)", "(MIT OR Apache-2.0)", true},
		{"mit or apache-2.0", "MIT OR Apache-2.0", true},
		{"MIT/Apache-2.0", "MIT OR Apache-2.0", true},
		{"GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0", true},
		{"MIT AND LicenseRef-acme", "MIT AND LicenseRef-acme", true},
		{"MIT OR Frobnicate", "", false},
		{"Custom corporate licence", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := Normalize(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestDeclared(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Apache 2.0", []string{"Apache-2.0"}},
		{"  MIT  ", []string{"MIT"}},
		{"UNKNOWN", nil},
		{"NOASSERTION", nil},
		{"SEE LICENSE IN LICENSE.md", nil},
		{"UNLICENSED", []string{"LicenseRef-proprietary"}},
		{"Acme Commercial Licence v3", []string{"Acme Commercial Licence v3"}},
		{"Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files, to deal in the Software without restriction. The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.", []string{"MIT"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Declared(tt.in)); diff != "" {
				t.Errorf("Declared(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestIsKnown(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want bool
	}{{"MIT", true}, {"mit", false}, {"Apache-2.0", true}, {"GPL-2.0", false}, {"Frob-1.0", false}} {
		if got := IsKnown(tt.id); got != tt.want {
			t.Errorf("IsKnown(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// Licence texts below are short paraphrases built from each licence's distinguishing sentences,
// laid out the way LICENSE files and source headers lay them out.
func TestClassify(t *testing.T) {
	bsdHead := "Copyright (c) 2024 Example Corp.\n\nRedistribution and use in source and binary forms, with or without\nmodification, are permitted provided that the following conditions are met:\n\n" +
		"1. Redistributions of source code must retain the above copyright notice.\n" +
		"2. Redistributions in binary form must reproduce the above copyright notice,\n   this list of conditions and the following disclaimer.\n"
	tests := []struct {
		name string
		text string
		want string
	}{
		{"MIT", "MIT License\n\nCopyright (c) 2024 Example\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software...\n\nThe above copyright notice and this permission notice shall be included in\nall copies or substantial portions of the Software.\n", "MIT"},
		{"ISC with and/or", "ISC License\n\nPermission to use, copy, modify, and/or distribute this software for any\npurpose with or without fee is hereby granted, provided that...\n", "ISC"},
		{"ISC old wording", "Permission to use, copy, modify, and distribute this software for any purpose with or without fee is hereby granted.", "ISC"},
		{"Apache-2.0 text", "\n                                 Apache License\n                           Version 2.0, January 2004\n                        http://www.apache.org/licenses/\n", "Apache-2.0"},
		{"Apache-2.0 header", "// Licensed under the Apache License, Version 2.0 (the \"License\");\n// you may not use this file except in compliance with the License.\n", "Apache-2.0"},
		{"BSD-2-Clause", bsdHead + "\nTHIS SOFTWARE IS PROVIDED \"AS IS\".\n", "BSD-2-Clause"},
		{"BSD-3-Clause", bsdHead + "3. Neither the name of the copyright holder nor the names of its contributors\n   may be used to endorse or promote products derived from this software\n   without specific prior written permission.\n", "BSD-3-Clause"},
		{"MPL-2.0", "Mozilla Public License Version 2.0\n==================================\n\n1. Definitions\n", "MPL-2.0"},
		{"GPL-2.0", "                    GNU GENERAL PUBLIC LICENSE\n                       Version 2, June 1991\n\n Copyright (C) 1989, 1991 Free Software Foundation, Inc.\n", "GPL-2.0-only"},
		{"GPL-3.0 mentions the AGPL", "                    GNU GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n...\n  13. Use with the GNU Affero General Public License.\n", "GPL-3.0-only"},
		{"LGPL-3.0 quotes the GPL", "                   GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 3, 29 June 2007\n\n  This version of the GNU Lesser General Public License incorporates\nthe terms and conditions of version 3 of the GNU General Public License\n", "LGPL-3.0-only"},
		{"LGPL-2.1", "                  GNU LESSER GENERAL PUBLIC LICENSE\n                       Version 2.1, February 1999\n", "LGPL-2.1-only"},
		{"AGPL-3.0", "                    GNU AFFERO GENERAL PUBLIC LICENSE\n                       Version 3, 19 November 2007\n", "AGPL-3.0-only"},
		{"Unlicense", "This is free and unencumbered software released into the public domain.\n\nAnyone is free to copy, modify, publish, use, compile, sell...", "Unlicense"},
		{"CC0", "Creative Commons Legal Code\n\nCC0 1.0 Universal\n\n    CREATIVE COMMONS CORPORATION IS NOT A LAW FIRM", "CC0-1.0"},
		{"proprietary", "Copyright 2024 Example Corp. All rights reserved. Do not distribute.", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Classify([]byte(tt.text))
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("Classify = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

func TestClassifyIgnoresCommentDecoration(t *testing.T) {
	text := "/*\n * Permission is hereby granted, free of charge, to any person obtaining a copy\n * of this software.\n *\n * The above copyright notice and this permission notice shall be included\n * in all copies.\n */"
	if got, _ := Classify([]byte(text)); got != "MIT" {
		t.Errorf("Classify(comment block) = %q, want MIT", got)
	}
	if got, _ := Classify([]byte(strings.Repeat("x", 2<<20))); got != "" {
		t.Errorf("Classify(junk) = %q", got)
	}
}
