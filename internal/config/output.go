package config

import (
	"errors"
	"strings"
)

// Output is one report a scan writes: a format and where to. In YAML it is either a format name
// (`table`, written to standard output) or a mapping `{format: sarif, output: out.sarif}`; in an
// environment variable or flag it is `format` or `format:path`.
type Output struct {
	Format string `yaml:"format"`
	// Output is the file to write; empty means standard output.
	Output string `yaml:"output"`
}

// String writes the output in its short form, `format` or `format:path`.
func (o Output) String() string {
	if o.Output == "" {
		return o.Format
	}
	return o.Format + ":" + o.Output
}

// UnmarshalText reads the short form. The format name ends at the first colon, so a Windows path
// such as `sarif:C:\out.sarif` keeps its drive letter.
func (o *Output) UnmarshalText(b []byte) error {
	format, path, _ := strings.Cut(strings.TrimSpace(string(b)), ":")
	format = strings.ToLower(strings.TrimSpace(format))
	if format == "" {
		return errors.New("want a format name, optionally followed by :path (table, sarif:out.sarif)")
	}
	*o = Output{Format: format, Output: strings.TrimSpace(path)}
	return nil
}
