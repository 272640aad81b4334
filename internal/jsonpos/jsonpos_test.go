package jsonpos

import (
	"encoding/json"
	"testing"
)

// TestOf holds the position to the byte a user must look at, for each kind of encoding/json error.
func TestOf(t *testing.T) {
	type doc struct {
		A int   `json:"a"`
		B []int `json:"b"`
	}
	tests := []struct {
		name string
		data string
		want Pos
	}{
		{"bad character", "{\n  \"a\": x\n}", Pos{2, 8}},
		{"trailing comma", "{\n  \"a\": 1,\n}", Pos{3, 1}},
		{"end of input", "{\"a\": 1", Pos{1, 7}},
		{"after the top-level value", "[1,2]x", Pos{1, 6}},
		{"wrong type", "{\n \"a\": \"str\"\n}", Pos{2, 11}},
		{"wrong type in a list", "{\"b\": [1,\n \"z\"]}", Pos{2, 4}},
		{"first byte", "x", Pos{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v doc
			err := json.Unmarshal([]byte(tt.data), &v)
			got, ok := Of([]byte(tt.data), err)
			if !ok || got != tt.want {
				t.Errorf("Of(%v) = %v, %v; want %v", err, got, ok, tt.want)
			}
		})
	}
}

func TestAtClamps(t *testing.T) {
	for _, off := range []int64{-5, 0, 100} {
		if p := At([]byte("ab\nc"), off); p.Line < 1 || p.Column < 1 {
			t.Errorf("At(%d) = %v", off, p)
		}
	}
}
