//go:build palisade_omit_rego

package main

import (
	"context"
	"errors"

	"github.com/palisade-sec/palisade/internal/config"
	"github.com/palisade-sec/palisade/internal/errkind"
	iacengine "github.com/palisade-sec/palisade/internal/iac"
)

// regoOmitted is true in builds without the Rego engine (tag palisade_omit_rego).
const regoOmitted = true

// regoEngine refuses: the user asked for Rego policies this build cannot run, and skipping them
// would pass what they were meant to stop.
func regoEngine(_ context.Context, cfg *config.Config) (iacengine.PolicyEngine, error) {
	return nil, cfg.FieldError("iac.rego", errkind.Wrap(errkind.Invalid,
		errors.New("this palisade was built without the Rego engine (build tag palisade_omit_rego); rebuild without it to run Rego policies")))
}
