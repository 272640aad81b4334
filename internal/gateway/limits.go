package gateway

import (
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-sec/palisade/internal/config"
)

// LimitsConfig bounds what one request may make the gateway carry.
type LimitsConfig struct {
	// MaxRequestBody is the largest request body forwarded (0: no limit). A request that
	// declares a longer body is refused 413 before any of it is read; one that turns out longer
	// (chunked, or HTTP/2 without a length) is cut off at the limit and answered 413. A route's
	// own max_request_body overrides it.
	MaxRequestBody Size `yaml:"max_request_body"`
}

// Size is a byte count in gateway.yaml, written the way people write them ("10MiB", "512KiB",
// "1GB"; see config.ParseSize). A size that does not parse is an error naming its line.
type Size int64

// UnmarshalYAML reads a size from a scalar node.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a size such as 10MiB", n.Line)}}
	}
	v, err := config.ParseSize(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*s = Size(v)
	return nil
}

// errBodyTooLarge is what a request body returns past its limit.
var errBodyTooLarge = errors.New("request body larger than max_request_body")

// bodyLimit is the limit in force for a route: its own, else the global one (0: none).
func bodyLimit(route, global Size) int64 {
	if route > 0 {
		return int64(route)
	}
	return int64(global)
}
