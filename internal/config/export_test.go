package config

// Parse builds the configuration from the defaults and the file content data, named name in
// errors, and validates it, without reading the environment: Load on bytes, for tests and the
// example.
func Parse(name string, data []byte) (*Config, error) {
	c := Default()
	if err := c.decode(name, data); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}
