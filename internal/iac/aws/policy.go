package aws

import (
	"encoding/json"
	"fmt"
	"sort"
)

// ParsePolicy reads an IAM policy document (JSON) into statements; line is given to each.
func ParsePolicy(doc string, line int) ([]Statement, error) {
	var raw struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, fmt.Errorf("parse policy document: %w", err)
	}
	var list []map[string]any
	if len(raw.Statement) > 0 && raw.Statement[0] == '{' {
		var one map[string]any
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return nil, fmt.Errorf("parse policy document: %w", err)
		}
		list = append(list, one)
	} else if len(raw.Statement) > 0 {
		if err := json.Unmarshal(raw.Statement, &list); err != nil {
			return nil, fmt.Errorf("parse policy document: %w", err)
		}
	}
	out := make([]Statement, 0, len(list))
	for _, m := range list {
		out = append(out, StatementFrom(m, line))
	}
	return out, nil
}

// StatementFrom reads one statement from generic data (decoded JSON or YAML).
func StatementFrom(m map[string]any, line int) Statement {
	s := Statement{Line: line, Effect: str(m["Effect"])}
	s.Actions = strs(m["Action"])
	s.NotActions = strs(m["NotAction"])
	s.Resources = strs(m["Resource"])
	s.Principals = principals(m["Principal"])
	_, s.Conditions = m["Condition"]
	return s
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// strs reads a string or a list of strings; other values (unresolved intrinsics) are dropped.
func strs(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return t
	}
	return nil
}

// principals reads "*" or {"AWS": …, "Service": …} into a flat list.
func principals(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			out = append(out, strs(t[k])...)
		}
		return out
	}
	return nil
}
