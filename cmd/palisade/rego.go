//go:build !palisade_omit_rego

package main

import (
	"context"

	"github.com/palisade-sec/palisade/internal/config"
	iacengine "github.com/palisade-sec/palisade/internal/iac"
	"github.com/palisade-sec/palisade/internal/iac/rego"
)

// regoOmitted is true in builds without the Rego engine (tag palisade_omit_rego).
const regoOmitted = false

// regoEngine loads the users' Rego policies (conftest convention) named by iac.rego.
func regoEngine(ctx context.Context, cfg *config.Config) (iacengine.PolicyEngine, error) {
	return rego.Load(ctx, cfg.IaC.Rego)
}
