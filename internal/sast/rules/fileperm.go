package rules

import (
	"context"
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"

	"github.com/palisade-sec/palisade/internal/finding"
)

// The most a file or directory mode may allow, as gosec's G302/G306 (files) and G301 (directories)
// default to.
const (
	maxFileMode = 0o600
	maxDirMode  = 0o750
)

// permArg describes where a call takes a mode, and whether it makes a file or a directory.
type permArg struct {
	recv  string // "" for package functions, else the receiver type in package os ("File", "Root")
	name  string
	index int
	dir   bool
	flag  int // index of the open flag (the mode only matters with O_CREATE), or -1
}

var permCalls = []permArg{
	{"", "WriteFile", 2, false, -1},
	{"", "OpenFile", 2, false, 1},
	{"", "Chmod", 1, false, -1},
	{"", "Mkdir", 1, true, -1},
	{"", "MkdirAll", 1, true, -1},
	{"File", "Chmod", 0, false, -1},
	{"Root", "OpenFile", 2, false, 1},
	{"Root", "WriteFile", 2, false, -1},
	{"Root", "Chmod", 1, false, -1},
	{"Root", "Mkdir", 1, true, -1},
	{"Root", "MkdirAll", 1, true, -1},
}

func filePermRule() rule {
	return rule{
		id: "go-file-permissions", title: "File or directory created with permissive mode",
		description: "Files readable by group or others (beyond 0600) and directories writable by group or open to others (beyond 0750) expose their content or let other users plant files.",
		severity:    finding.SeverityMedium, confidence: finding.ConfidenceHigh,
		cwe: []string{"CWE-276"}, gosec: []string{"G301", "G302", "G306"},
		fix: "Create files with 0600 (0640 only when a group must read them) and directories with 0750 or less.",
		check: func(_ context.Context, p *pass) {
			p.walk(func(n ast.Node, _ []ast.Node, scope string) {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return
				}
				fn := p.callee(call)
				if fn == nil || fn.Pkg() == nil {
					return
				}
				for _, pc := range permCalls {
					var match bool
					switch {
					case pc.recv == "":
						match = isFunc(fn, []string{"os"}, pc.name) || pc.name == "WriteFile" && isFunc(fn, []string{"io/ioutil"}, pc.name)
					default:
						match = isMethod(fn, []string{"os"}, pc.recv, pc.name)
					}
					if !match || pc.index >= len(call.Args) {
						continue
					}
					if pc.flag >= 0 && pc.flag < len(call.Args) {
						// The mode only matters when the call may create the file; O_CREATE's value
						// is the loaded platform's, read from package os itself.
						if c, ok := fn.Pkg().Scope().Lookup("O_CREATE").(*types.Const); ok {
							create, _ := constant.Int64Val(c.Val())
							if fl, ok := p.constInt(call.Args[pc.flag]); ok && fl&create == 0 {
								return
							}
						}
					}
					mode, ok := p.constInt(call.Args[pc.index])
					if !ok {
						return
					}
					limit := int64(maxFileMode)
					if pc.dir {
						limit = maxDirMode
					}
					if extra := mode & 0o777 &^ limit; extra != 0 {
						p.report(call.Args[pc.index], scope, fmt.Sprintf("%s.%s with mode %#o allows more than %#o.", fn.Pkg().Name(), fn.Name(), mode&0o7777, limit), nil)
					}
					return
				}
			})
		},
	}
}
