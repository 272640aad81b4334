package identity

import "testing"

func TestParseID(t *testing.T) {
	tests := []struct {
		name, in string
		wantTD   string
		wantPath string
		wantErr  bool
	}{
		{name: "workload", in: "spiffe://example.org/ns/prod/sa/web", wantTD: "example.org", wantPath: "/ns/prod/sa/web"},
		{name: "trust domain only", in: "spiffe://example.org", wantTD: "example.org"},
		{name: "allowed punctuation", in: "spiffe://a-b_c.d/x.y-z_W9", wantTD: "a-b_c.d", wantPath: "/x.y-z_W9"},
		{name: "empty", in: "", wantErr: true},
		{name: "wrong scheme", in: "https://example.org/x", wantErr: true},
		{name: "upper-case scheme", in: "SPIFFE://example.org/x", wantErr: true},
		{name: "upper-case trust domain", in: "spiffe://Example.org/x", wantErr: true},
		{name: "empty trust domain", in: "spiffe:///x", wantErr: true},
		{name: "port", in: "spiffe://example.org:443/x", wantErr: true},
		{name: "user info", in: "spiffe://u@example.org/x", wantErr: true},
		{name: "trailing slash", in: "spiffe://example.org/x/", wantErr: true},
		{name: "bare slash", in: "spiffe://example.org/", wantErr: true},
		{name: "empty segment", in: "spiffe://example.org/a//b", wantErr: true},
		{name: "dot segment", in: "spiffe://example.org/a/./b", wantErr: true},
		{name: "dot-dot segment", in: "spiffe://example.org/a/../b", wantErr: true},
		{name: "query", in: "spiffe://example.org/a?b=c", wantErr: true},
		{name: "fragment", in: "spiffe://example.org/a#b", wantErr: true},
		{name: "percent encoding", in: "spiffe://example.org/a%20b", wantErr: true},
		{name: "too long", in: "spiffe://example.org/" + string(make([]byte, 2048)), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ParseID(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseID(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if id.TrustDomain() != tt.wantTD || id.Path() != tt.wantPath || id.String() != tt.in {
				t.Errorf("ParseID(%q) = %q/%q (%s), want %q/%q", tt.in, id.TrustDomain(), id.Path(), id, tt.wantTD, tt.wantPath)
			}
		})
	}
}
