package rego

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// loadSource compiles modules given as name → source, the way Load compiles files.
func loadSource(ctx context.Context, sources map[string]string) (*Engine, error) {
	modules := map[string]*ast.Module{}
	for name, src := range sources {
		m, err := parse(name, src)
		if err != nil {
			return nil, fmt.Errorf("load rego policies: %w", err)
		}
		modules[name] = m
	}
	return compile(ctx, modules)
}
