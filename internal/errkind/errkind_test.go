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
