package imageconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/palisade-sec/palisade/internal/jsonpos"
)

// MaxConfigSize bounds the image config Parse accepts. Real configs are a few kilobytes, a few
// hundred with a long history; the config is input from whoever built the image.
const MaxConfigSize = 8 << 20

// Image is the part of an OCI or Docker image config (application/vnd.oci.image.config.v1+json,
// application/vnd.docker.container.image.v1+json) the checks read. Fields it does not name are
// ignored: the format is extensible and builders add their own.
type Image struct {
	Config  RunConfig `json:"config"`
	History []History `json:"history"`
}

// RunConfig is the image's default run configuration: what a container of it starts with.
type RunConfig struct {
	User         string              `json:"User"`
	Env          []string            `json:"Env"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts"`
	Labels       map[string]string   `json:"Labels"`
	Healthcheck  *Healthcheck        `json:"Healthcheck"`
	Cmd          []string            `json:"Cmd"`
	Entrypoint   []string            `json:"Entrypoint"`
}

// Healthcheck is the image's HEALTHCHECK; a Test of ["NONE"] turns an inherited one off.
type Healthcheck struct {
	Test []string `json:"Test"`
}

// enabled reports whether the health check runs.
func (h *Healthcheck) enabled() bool {
	return h != nil && len(h.Test) > 0 && h.Test[0] != "NONE"
}

// History is one build step of the image, oldest first.
type History struct {
	CreatedBy  string `json:"created_by"`
	Comment    string `json:"comment"`
	EmptyLayer bool   `json:"empty_layer"`
}

// Error is an image config that cannot be read, with the position the JSON decoder blames.
type Error struct {
	// Pos is zero when the error has no position (too large, empty).
	Pos jsonpos.Pos
	Err error
}

// Error formats the error with its position.
func (e *Error) Error() string {
	if e.Pos.Line > 0 {
		return fmt.Sprintf("parse image config: %s: %v", e.Pos, e.Err)
	}
	return fmt.Sprintf("parse image config: %v", e.Err)
}

// Unwrap returns the decoder's error.
func (e *Error) Unwrap() error { return e.Err }

// Parse decodes an image config. It refuses a config over MaxConfigSize, anything but one JSON
// object, and fields of the wrong type, naming the line and column.
func Parse(data []byte) (*Image, error) {
	if len(data) > MaxConfigSize {
		return nil, &Error{Err: fmt.Errorf("%d bytes, over the limit of %d", len(data), MaxConfigSize)}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, &Error{Pos: jsonpos.At(data, int64(len(data)-len(bytes.TrimLeft(data, " \t\r\n")))), Err: errors.New("not a JSON object")}
	}
	var img Image
	if err := json.Unmarshal(data, &img); err != nil {
		p, _ := jsonpos.Of(data, err)
		return nil, &Error{Pos: p, Err: err}
	}
	return &img, nil
}
