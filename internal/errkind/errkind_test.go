package errkind

import (
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	base := errors.New("boom")
	if Of(base) != Other {
		t.Error("unclassified error should be Other")
	}
	wrapped := fmt.Errorf("load config: %w", Wrap(Invalid, base))
	if Of(wrapped) != Invalid {
		t.Errorf("Of = %v, want invalid", Of(wrapped))
	}
	if !errors.Is(wrapped, base) {
		t.Error("Wrap must keep the chain")
	}
	if Wrap(Invalid, nil) != nil {
		t.Error("Wrap(nil) must be nil")
	}
}

// TestTable holds every kind to a name, exit code 2 (an error never passes a pipeline; 1 is the
// gate's) and an HTTP error status; an unknown kind reads as Other.
func TestTable(t *testing.T) {
	tests := []struct {
		kind   Kind
		name   string
		status int
	}{
		{Other, "error", 500},
		{Invalid, "invalid", 400},
		{NotFound, "not found", 404},
		{Denied, "denied", 403},
		{Unavailable, "unavailable", 503},
		{Kind(99), "error", 500},
		{Kind(-1), "error", 500},
	}
	for _, tt := range tests {
		if got := tt.kind.String(); got != tt.name {
			t.Errorf("Kind(%d).String() = %q, want %q", int(tt.kind), got, tt.name)
		}
		if got := tt.kind.ExitCode(); got != 2 {
			t.Errorf("%v.ExitCode() = %d, want 2", tt.kind, got)
		}
		if got := tt.kind.HTTPStatus(); got != tt.status {
			t.Errorf("%v.HTTPStatus() = %d, want %d", tt.kind, got, tt.status)
		}
	}
}
