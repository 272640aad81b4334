package terraform

import (
	"context"
	"io/fs"
	"path"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/aws"
)

// testLoad parses the module made of files (all in one directory of fsys) into m, with its
// variables' defaults and tfvars.
func testLoad(ctx context.Context, fsys fs.FS, files []string, m *aws.Model) []finding.Problem {
	if len(files) == 0 {
		return nil
	}
	return LoadModule(ctx, fsys, Modules(files), path.Dir(files[0]), m)
}

// testParse is the parse step alone, for fuzzing and tests: it returns the syntax problems.
func testParse(name string, data []byte) []finding.Problem {
	mod := &module{}
	mod.parse(name, data)
	return mod.problem
}
