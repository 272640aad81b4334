package gateway

import (
	"reflect"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// record is one of a rule's variables — source, jwt or request — as a CEL map whose fields are
// read from the request's Input when the rule reads them. Filling three maps per request (and
// boxing every value) was the larger part of evaluating a simple rule; a record costs nothing
// until a field is read, and then one value. Field access (jwt.sub, jwt["sub"], has(jwt.sub),
// "sub" in jwt) is answered directly; anything that needs the whole map (equality, size,
// iteration, conversion) gets the same map the rule would see if the variable were a plain
// map[string]any, built on demand.
type record struct {
	kind    recordKind
	in      *Input
	adapter types.Adapter
}

type recordKind uint8

const (
	recSource recordKind = iota
	recJWT
	recRequest
)

var (
	recordKeys = [...][]string{
		recSource:  {"spiffe_id", "address"},
		recJWT:     {"present", "sub", "iss", "jti", "scopes", "claims"},
		recRequest: {"method", "host", "path"},
	}
	noScopes = types.NewStringList(types.DefaultTypeAdapter, []string{})
)

// field is the value of one field, false for a name the variable does not have.
func (r *record) field(name string) (ref.Val, bool) {
	in := r.in
	switch r.kind {
	case recSource:
		switch name {
		case "spiffe_id":
			return types.String(in.SPIFFEID), true
		case "address":
			return types.String(in.SourceAddr), true
		}
	case recRequest:
		switch name {
		case "method":
			return types.String(in.Method), true
		case "host":
			return types.String(in.Host), true
		case "path":
			return types.String(in.Path), true
		}
	case recJWT:
		j := in.JWT
		if j == nil {
			j = &JWTInfo{}
		}
		switch name {
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
			return types.NewStringList(r.adapter, j.Scopes), true
		case "claims":
			if j.Claims == nil {
				return r.adapter.NativeToValue(map[string]any{}), true
			}
			return r.adapter.NativeToValue(j.Claims), true
		}
	}
	return nil, false
}

// FindStringKey is the interpreter's fast path for a field selection (jwt.sub).
func (r *record) FindStringKey(key string) (any, bool) { return r.field(key) }

// Find implements traits.Mapper.
func (r *record) Find(key ref.Val) (ref.Val, bool) {
	if k, ok := key.(types.String); ok {
		return r.field(string(k))
	}
	return r.whole().Find(key)
}

// Get implements traits.Indexer.
func (r *record) Get(key ref.Val) ref.Val {
	if v, ok := r.Find(key); ok {
		return v
	}
	return r.whole().Get(key) // the map's own error for a missing or ill-typed key
}

// Contains implements traits.Container ("sub" in jwt).
func (r *record) Contains(key ref.Val) ref.Val {
	if k, ok := key.(types.String); ok {
		_, found := r.field(string(k))
		return types.Bool(found)
	}
	return r.whole().Contains(key)
}

// whole is the variable as the plain map it stands for.
func (r *record) whole() traits.Mapper {
	m := make(map[string]any, len(recordKeys[r.kind]))
	for _, k := range recordKeys[r.kind] {
		m[k], _ = r.field(k)
	}
	return r.adapter.NativeToValue(m).(traits.Mapper)
}

func (r *record) Iterator() traits.Iterator                   { return r.whole().Iterator() }
func (r *record) Size() ref.Val                               { return types.Int(len(recordKeys[r.kind])) }
func (r *record) Equal(other ref.Val) ref.Val                 { return r.whole().Equal(other) }
func (r *record) Type() ref.Type                              { return types.MapType }
func (r *record) Value() any                                  { return r.whole().Value() }
func (r *record) ConvertToType(t ref.Type) ref.Val            { return r.whole().ConvertToType(t) }
func (r *record) ConvertToNative(t reflect.Type) (any, error) { return r.whole().ConvertToNative(t) }
