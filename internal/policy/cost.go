package policy

import (
	"slices"

	celast "cel.dev/cel-go/common/ast"
)

// UnboundedCost reports whether expr could cost more than a bounded number of passes over its
// inputs, so its evaluation must be tracked against the cost limit. It is true for a
// comprehension (all, exists, exists_one, map, filter, sortBy: loops, which nest); for a call of
// one of literalArgFunctions whose arguments are not all literals (a regular expression match
// costs text size times pattern size, and both could come from the input; list.join(sep) writes
// sep between every two elements, so s.split("").join(s) is quadratic and nests to exponential);
// and for a call of any function not in linearFunctions (lists.range(n) builds n elements,
// replace and the set functions can cost the product of their arguments' sizes). The list is of
// functions known to be linear, so a function added to the environment later is tracked until
// someone shows it is linear: the choice fails closed.
func UnboundedCost(e celast.Expr) bool {
	unbounded := false
	celast.PreOrderVisit(e, celast.NewExprVisitor(func(e celast.Expr) {
		switch e.Kind() {
		case celast.ComprehensionKind:
			unbounded = true
		case celast.CallKind:
			c := e.AsCall()
			switch name := c.FunctionName(); {
			case slices.Contains(literalArgFunctions, name):
				args := c.Args()
				if !c.IsMemberFunction() && len(args) > 0 {
					args = args[1:] // matches(text, pattern): the text is the receiver
				}
				for _, a := range args {
					if a.Kind() != celast.LiteralKind {
						unbounded = true
					}
				}
			case !slices.Contains(linearFunctions, name):
				unbounded = true
			}
		}
	}))
	return unbounded
}

// literalArgFunctions cost at most linear in their receiver when every other argument is a
// literal (bounded by the expression's own size), and up to the product of the sizes otherwise.
var literalArgFunctions = []string{"matches", "join", "indexOf", "lastIndexOf"}

// linearFunctions are the functions whose cost is at most linear in the size of their
// arguments (most are constant): operators, conversions, string tests, timestamp accessors,
// optional values.
var linearFunctions = []string{
	// operators
	"_+_", "_-_", "_*_", "_/_", "_%_", "-_", "!_", "_&&_", "_||_", "_?_:_", "@not_strictly_false",
	"_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_", "@in", "_[_]", "_[?_]", "_?._",
	// conversions and types
	"size", "string", "int", "uint", "double", "bool", "bytes", "dyn", "type", "duration", "timestamp",
	// strings (standard library and the strings extension)
	"contains", "startsWith", "endsWith", "lowerAscii", "upperAscii", "trim", "charAt",
	"substring", "split", "reverse", "strings.quote",
	// timestamps and durations
	"getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek",
	"getHours", "getMinutes", "getSeconds", "getMilliseconds",
	// lists (the lists extension) and optional values
	"first", "last", "slice", "optional.of", "optional.ofNonZeroValue", "optional.none",
	"hasValue", "value", "or", "orValue",
}
