package inventory

import (
	"context"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/inventory/license"
)

// The apk database of Alpine, Wolfi and Chainguard: lib/apk/db/installed, one paragraph per
// package of "X:value" lines, X a single letter (P name, V version, A architecture, o origin —
// the source package —, L licence, and file lists the inventory does not need).

const apkInstalledPath = "lib/apk/db/installed"

func extractApkInstalled(ctx context.Context, in *input) ([]Package, error) {
	if _, ok := osRoot(in.path, apkInstalledPath); !ok {
		return nil, errNotMine // some other program's db/installed
	}
	d := osDistro(in, apkInstalledPath)
	var pkgs []Package
	var cur *Package
	nameless, firstNameless := 0, 0
	flush := func() {
		if cur != nil && strings.TrimSpace(cur.Name) == "" {
			// Counted and reported once: millions of nameless entries are one problem.
			if nameless++; nameless == 1 {
				firstNameless = cur.Location.StartLine
			}
			cur = nil
		}
		if cur != nil {
			if cur.Source == "" {
				cur.Source = cur.Name
			}
			cur.SourceVersion = cur.Version
			setProp(cur, PropDistro, d.PURLDistro())
			cur.PURL = osPURL("apk", d.Namespace, *cur, "", cur.Version)
			pkgs = append(pkgs, *cur)
			cur = nil
		}
	}
	lineNo := 0
	for line := range strings.Lines(string(in.data)) {
		lineNo++
		if lineNo%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			flush()
			continue
		}
		if len(line) < 2 || line[1] != ':' {
			return nil, errAt(lineNo, "want \"X:value\", got %q", clipText(line, 60))
		}
		if cur == nil {
			cur = &Package{Ecosystem: osEcosystem(d, "Alpine"), Location: finding.Location{Path: in.path, StartLine: lineNo}}
		}
		v := line[2:]
		switch line[0] {
		case 'P':
			cur.Name = v
		case 'V':
			cur.Version = v
		case 'A':
			setProp(cur, PropArch, v)
		case 'o':
			cur.Source = v
		case 'L':
			cur.Licenses = license.Declared(v)
		}
	}
	flush()
	if nameless > 0 {
		in.problem(finding.ProblemParse, in.path, firstNameless, "parse apk: %d entries without a P: name (the first at line %d) were not listed", nameless, firstNameless)
	}
	reportUnmatchable(in, d, "apk", pkgs)
	return pkgs, nil
}
