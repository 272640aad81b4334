package gitignore

// Len returns the number of patterns in the stack.
func (m *Matcher) Len() int {
	if m == nil {
		return 0
	}
	return len(m.patterns)
}
