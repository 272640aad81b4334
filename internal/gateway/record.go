package gateway

import (
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/palisade-sec/palisade/internal/policy"
)

// inputRecords are a rule's variables — source, jwt and request — as records whose fields are
// read from the request's Input when the rule reads them (see policy.Record).
var inputRecords = []policy.Record[*Input]{
	{Name: "source", Keys: []string{"spiffe_id", "address"}, Field: sourceField},
	{Name: "jwt", Keys: []string{"present", "sub", "iss", "jti", "scopes", "claims"}, Field: jwtField},
	{Name: "request", Keys: []string{"method", "host", "path"}, Field: requestField},
}

var noScopes = types.NewStringList(types.DefaultTypeAdapter, []string{})

func sourceField(in *Input, key string, _ types.Adapter) (ref.Val, bool) {
	switch key {
	case "spiffe_id":
		return types.String(in.SPIFFEID), true
	case "address":
		return types.String(in.SourceAddr), true
	}
	return nil, false
}

func requestField(in *Input, key string, _ types.Adapter) (ref.Val, bool) {
	switch key {
	case "method":
		return types.String(in.Method), true
	case "host":
		return types.String(in.Host), true
	case "path":
		return types.String(in.Path), true
	}
	return nil, false
}

func jwtField(in *Input, key string, a types.Adapter) (ref.Val, bool) {
	j := in.JWT
	if j == nil {
		j = &JWTInfo{}
	}
	switch key {
	case "present":
		return types.Bool(in.JWT != nil), true
	case "sub":
		return types.String(j.Subject), true
	case "iss":
		return types.String(j.Issuer), true
	case "jti":
		return types.String(j.ID), true
	case "scopes":
		if j.Scopes == nil {
			return noScopes, true
		}
		return types.NewStringList(a, j.Scopes), true
	case "claims":
		if j.Claims == nil {
			return a.NativeToValue(map[string]any{}), true
		}
		return a.NativeToValue(j.Claims), true
	}
	return nil, false
}
