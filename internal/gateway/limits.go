package gateway

import (
	"errors"

	"github.com/palisade-sec/palisade/internal/config"
)

// LimitsConfig bounds what one request may make the gateway carry.
type LimitsConfig struct {
	// MaxRequestBody is the largest request body forwarded (0: no limit). A request that
	// declares a longer body is refused 413 before any of it is read; one that turns out longer
	// (chunked, or HTTP/2 without a length) is cut off at the limit and answered 413. A route's
	// own max_request_body overrides it.
	MaxRequestBody config.Size `yaml:"max_request_body"`
}

// errBodyTooLarge is what a request body returns past its limit.
var errBodyTooLarge = errors.New("request body larger than max_request_body")

// bodyLimit is the limit in force for a route: its own, else the global one (0: none).
func bodyLimit(route, global config.Size) int64 {
	if route > 0 {
		return int64(route)
	}
	return int64(global)
}
