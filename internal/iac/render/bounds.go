package render

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Default bounds of one chart's rendering. A chart is code: a few lines of `range until` can ask
// for minutes of CPU and gigabytes of output, so every render runs against a budget.
const (
	defaultMaxRenderTime  = 10 * time.Second
	defaultMaxRenderBytes = 64 << 20
	// maxRangeLen bounds one list that `until`, `untilStep` or `seq` may build.
	maxRangeLen = 100_000
	// maxQuadratic bounds the list length of functions that compare every pair (uniq).
	maxQuadratic = 5_000
	// maxFormatWidth bounds a printf width or precision, which fmt pads in memory.
	maxFormatWidth = 4096
	// maxWalkDepth bounds how deep a value may nest before a function may serialise it; a value
	// that contains itself (set $d "self" $d) would otherwise recurse until the stack overflows.
	maxWalkDepth = 1000
)

// errBound is wrapped by every error that stops a render because a bound was reached.
var errBound = errors.New("render bound reached")

// BoundError says which bound stopped a chart's rendering.
type BoundError struct {
	// Bound names it: "time", "output" or a function's own limit.
	Bound string
	// Detail says what was asked and what is allowed.
	Detail string
}

func (e *BoundError) Error() string { return e.Detail }

// Unwrap makes errors.Is(err, errBound) true.
func (e *BoundError) Unwrap() error { return errBound }

// budget is what one chart's rendering may still spend. Template execution is single-threaded,
// so it needs no lock; the first bound reached is kept, because the template engine wraps the
// error on its way out and may add its own.
type budget struct {
	ctx      context.Context
	maxTime  time.Duration
	maxBytes int64
	used     int64
	stopped  error
}

func newBudget(ctx context.Context, maxTime time.Duration, maxBytes int64) *budget {
	return &budget{ctx: ctx, maxTime: maxTime, maxBytes: maxBytes}
}

// stop records the first bound reached and returns it.
func (b *budget) stop(err error) error {
	if b.stopped == nil {
		b.stopped = err
	}
	return b.stopped
}

// tick is called at every loop iteration, template call, function call and write: it is how a
// cancelled or timed-out context reaches a template that spins without writing anything.
func (b *budget) tick() error {
	if b.stopped != nil {
		return b.stopped
	}
	if err := b.ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return b.stop(&BoundError{Bound: "time", Detail: fmt.Sprintf("rendering took longer than the %v limit (iac.render-timeout)", b.maxTime)})
		}
		return b.stop(fmt.Errorf("rendering stopped: %w", err))
	}
	return nil
}

// charge spends n bytes of the output budget: template output and what functions return.
func (b *budget) charge(n int64) error {
	if err := b.tick(); err != nil {
		return err
	}
	b.used += n
	if b.used > b.maxBytes {
		return b.stop(&BoundError{Bound: "output", Detail: fmt.Sprintf("rendering produced more than the %d-byte limit (iac.render-max-bytes)", b.maxBytes)})
	}
	return nil
}

// fits fails when an operation would produce more than what is left of the budget.
func (b *budget) fits(fn string, n int64) error {
	if err := b.tick(); err != nil {
		return err
	}
	if n < 0 || n > b.maxBytes-b.used {
		return b.stop(&BoundError{Bound: "output", Detail: fmt.Sprintf("%s would produce more than the %d-byte limit (iac.render-max-bytes)", fn, b.maxBytes)})
	}
	return nil
}

// limit fails with a function's own bound.
func (b *budget) limit(fn, detail string) error {
	return b.stop(&BoundError{Bound: fn, Detail: fn + ": " + detail})
}

// cappedWriter collects template output, charging the budget; once a bound is reached every
// write fails, which makes the template engine stop.
type cappedWriter struct {
	b   *budget
	buf strings.Builder
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if err := w.b.charge(int64(len(p))); err != nil {
		return 0, err
	}
	return w.buf.Write(p)
}

// size estimates the bytes a value takes when serialised, walking it as a tree (so a value built
// by nesting one map in another n times counts 2^n) and stopping as soon as max is passed or the
// value nests deeper than maxWalkDepth. It reports whether the value fits.
func size(v reflect.Value, max int64) (int64, bool) {
	var n int64
	var walk func(v reflect.Value, depth int) bool
	walk = func(v reflect.Value, depth int) bool {
		if depth > maxWalkDepth {
			return false
		}
		n += 8
		if n > max {
			return false
		}
		switch v.Kind() {
		case reflect.Interface, reflect.Pointer:
			if v.IsNil() {
				return true
			}
			return walk(v.Elem(), depth+1)
		case reflect.String:
			n += int64(v.Len())
		case reflect.Slice, reflect.Array:
			if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
				n += int64(v.Len())
				break
			}
			for i := range v.Len() {
				if !walk(v.Index(i), depth+1) {
					return false
				}
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				if !walk(it.Key(), depth+1) || !walk(it.Value(), depth+1) {
					return false
				}
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if !walk(v.Field(i), depth+1) {
					return false
				}
			}
		}
		return n <= max
	}
	ok := !v.IsValid() || walk(v, 0)
	return n, ok
}

// checkArgs fails when the arguments of a function that serialises them are larger than what is
// left of the budget (or contain themselves).
func (b *budget) checkArgs(fn string, args []reflect.Value) error {
	return b.checkValues(fn, "argument", args)
}

// checkValues fails when values, walked as trees, are larger than what is left of the budget
// (or contain themselves); what names them in the message.
func (b *budget) checkValues(fn, what string, args []reflect.Value) error {
	left := b.maxBytes - b.used
	var total int64
	for _, a := range args {
		n, ok := size(a, left-total)
		if !ok {
			return b.stop(&BoundError{Bound: "output", Detail: fmt.Sprintf("%s: %s is larger than the %d-byte limit (iac.render-max-bytes) or contains itself", fn, what, b.maxBytes)})
		}
		total += n
	}
	return nil
}

// composite reports a map or list (not a byte slice): a value that could nest.
func composite(v reflect.Value) bool {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) && !v.IsNil() {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Map, reflect.Array:
		return true
	case reflect.Slice:
		return v.Type().Elem().Kind() != reflect.Uint8
	}
	return false
}

// resultSize is what a function's result is charged: strings by length, lists and maps by
// their element count.
func resultSize(v reflect.Value) int64 {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) && !v.IsNil() {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array:
		if v.Kind() == reflect.String || (v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8) {
			return int64(v.Len())
		}
		return 8 * int64(v.Len())
	}
	return 0
}

// serialisers walk their arguments deeply (printing, encoding, deep copies and merges); their
// arguments are sized before the call, since the walk itself is what could exhaust memory.
var serialisers = map[string]bool{
	"toYaml": true, "toYamlPretty": true, "toJson": true, "mustToJson": true, "toPrettyJson": true,
	"mustToPrettyJson": true, "toRawJson": true, "mustToRawJson": true, "toToml": true,
	"toString": true, "toStrings": true, "print": true, "printf": true, "println": true,
	"quote": true, "squote": true, "cat": true, "join": true, "html": true, "js": true,
	"urlquery": true, "deepCopy": true, "mustDeepCopy": true, "merge": true, "mustMerge": true,
	"mergeOverwrite": true, "mustMergeOverwrite": true, "deepEqual": true, "sha256sum": true,
	"sha1sum": true, "adler32sum": true, "b64enc": true, "b32enc": true, "toDecimal": true,
	"typeOf": true, "typeIs": true, "typeIsLike": true, "fail": true, "required": true,
}

// guard checks a call's arguments against the limits of the function named fn before it runs.
// Functions whose cost is a product of their arguments (a count times a length) are checked
// here; everything else is charged by its result.
func (b *budget) guard(fn string, args []reflect.Value) error {
	if serialisers[fn] {
		if err := b.checkArgs(fn, args); err != nil {
			return err
		}
	}
	intArg := func(i int) int64 {
		if i >= len(args) {
			return 0
		}
		v := args[i]
		for v.Kind() == reflect.Interface && !v.IsNil() {
			v = v.Elem()
		}
		switch v.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return v.Int()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			if v.Uint() > 1<<62 {
				return 1 << 62
			}
			return int64(v.Uint())
		case reflect.Float32, reflect.Float64:
			f := v.Float()
			if f > 1<<62 || f < -(1<<62) || f != f {
				return 1 << 62
			}
			return int64(f)
		}
		return 0
	}
	strLen := func(i int) int64 {
		if i >= len(args) {
			return 0
		}
		v := args[i]
		for v.Kind() == reflect.Interface && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() == reflect.String {
			return int64(v.Len())
		}
		return 0
	}
	abs := func(x int64) int64 {
		if x < 0 {
			return -x
		}
		return x
	}
	rangeLen := func(n int64) error {
		if n > maxRangeLen {
			return b.limit(fn, fmt.Sprintf("a list of %d items is over the limit of %d", n, maxRangeLen))
		}
		return nil
	}
	switch fn {
	case "until":
		return rangeLen(abs(intArg(0)))
	case "untilStep":
		step := abs(intArg(2))
		if step == 0 {
			return nil
		}
		return rangeLen(abs(intArg(1)-intArg(0)) / step)
	case "seq":
		switch len(args) {
		case 1:
			return rangeLen(abs(intArg(0)))
		case 2:
			return rangeLen(abs(intArg(1) - intArg(0)))
		case 3:
			if step := abs(intArg(1)); step != 0 {
				return rangeLen(abs(intArg(2)-intArg(0)) / step)
			}
		}
	case "repeat":
		return b.fits(fn, mulCap(abs(intArg(0)), strLen(1)))
	case "indent", "nindent":
		lines := int64(1)
		if len(args) > 1 {
			if v := args[1]; v.Kind() == reflect.String {
				lines += int64(strings.Count(v.String(), "\n"))
			}
		}
		return b.fits(fn, mulCap(abs(intArg(0))+1, lines)+strLen(1))
	case "randAlphaNum", "randAlpha", "randNumeric", "randAscii", "randBytes":
		return b.fits(fn, abs(intArg(0)))
	case "replace":
		// replace old new src: at most one replacement per byte of src, plus one.
		old, repl, src := strLen(0), strLen(1), strLen(2)
		return b.fits(fn, src+mulCap(src/max(old, 1)+1, repl))
	case "regexReplaceAll", "regexReplaceAllLiteral", "mustRegexReplaceAll", "mustRegexReplaceAllLiteral":
		src, repl := strLen(1), strLen(2)
		return b.fits(fn, src+mulCap(src+1, repl))
	case "uniq", "mustUniq":
		if len(args) > 0 {
			v := args[0]
			for v.Kind() == reflect.Interface && !v.IsNil() {
				v = v.Elem()
			}
			if (v.Kind() == reflect.Slice || v.Kind() == reflect.Array) && v.Len() > maxQuadratic {
				return b.limit(fn, fmt.Sprintf("a list of %d items is over the limit of %d", v.Len(), maxQuadratic))
			}
		}
	case "printf":
		if len(args) > 0 && args[0].Kind() == reflect.String {
			if w := formatWidth(args[0].String()); w > maxFormatWidth {
				return b.limit(fn, fmt.Sprintf("a width or precision of %d is over the limit of %d", w, maxFormatWidth))
			}
		}
	}
	return nil
}

// mulCap multiplies two non-negative numbers, saturating instead of overflowing.
func mulCap(a, b int64) int64 {
	if a != 0 && b > (1<<62)/a {
		return 1 << 62
	}
	return a * b
}

// formatWidth is the largest width or precision a printf format asks for; `*` (taken from an
// argument) counts as unbounded.
func formatWidth(f string) int64 {
	var widest int64
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		for i++; i < len(f); i++ {
			c := f[i]
			switch {
			case c == '*':
				return 1 << 62
			case c >= '0' && c <= '9':
				var n int64
				for ; i < len(f) && f[i] >= '0' && f[i] <= '9'; i++ {
					n = min(n*10+int64(f[i]-'0'), 1<<40)
				}
				widest = max(widest, n)
				i--
				continue
			case c == '.' || c == '+' || c == '-' || c == ' ' || c == '#' || c == '[' || c == ']':
				continue
			}
			break
		}
	}
	return widest
}
