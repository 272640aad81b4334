package taint

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Func names a function or method by import path, receiver type name (without the pointer; empty
// for a plain function) and name, the way users write it in palisade.yaml: "net/http.Request.FormValue",
// "os.Getenv". The frameworks' names are matched by path, so Palisade needs none of them to build.
type Func struct {
	Pkg, Recv, Name string
}

// ParseFunc reads "import/path.Func" or "import/path.Type.Method"; the import path is everything up
// to the first dot after the last slash.
func ParseFunc(s string) (Func, error) {
	slash := strings.LastIndex(s, "/")
	dot := strings.Index(s[slash+1:], ".")
	if dot < 0 {
		return Func{}, fmt.Errorf("%q: want import/path.Func or import/path.Type.Method", s)
	}
	pkg, rest := s[:slash+1+dot], s[slash+1+dot+1:]
	recv, name, ok := strings.Cut(rest, ".")
	if !ok {
		recv, name = "", rest
	}
	if pkg == "" || name == "" || strings.Contains(name, ".") {
		return Func{}, fmt.Errorf("%q: want import/path.Func or import/path.Type.Method", s)
	}
	return Func{Pkg: pkg, Recv: recv, Name: name}, nil
}

// ParseSink reads a user's sink, "import/path.Func:ARG:rule-id".
func ParseSink(s string) (UserSink, error) {
	rest, rule, ok1 := cutLast(s, ":")
	name, arg, ok2 := cutLast(rest, ":")
	if !ok1 || !ok2 {
		return UserSink{}, fmt.Errorf("%q: want import/path.Func:ARG:rule-id", s)
	}
	n, err := strconv.Atoi(arg)
	if err != nil || n < 0 || n > 255 {
		return UserSink{}, fmt.Errorf("%q: the argument index %q is not a number from 0 to 255", s, arg)
	}
	f, err := ParseFunc(name)
	if err != nil {
		return UserSink{}, err
	}
	if !slices.ContainsFunc(Classes(), func(c Class) bool { return c.RuleID == rule }) {
		return UserSink{}, fmt.Errorf("%q: unknown rule %q (want one of the go-… taint rules in docs/sast.md)", s, rule)
	}
	return UserSink{Func: f, Arg: n, Class: rule}, nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func (f Func) String() string {
	if f.Recv != "" {
		return f.Pkg + "." + f.Recv + "." + f.Name
	}
	return f.Pkg + "." + f.Name
}

// Class is one kind of injection: the rule a source→sink path is reported under.
type Class struct {
	RuleID      string
	Title       string
	CWE         string
	Severity    string // finding.ParseSeverity vocabulary: "critical", "high", "medium", "low"
	Remediation string
	// Gosec are the gosec rule IDs that find the same weakness, so `#nosec G201` written for
	// gosec suppresses this class's findings.
	Gosec []string
}

// The classes, by the rule ID findings carry.
const (
	SQLInjection     = "go-sql-injection"
	CommandInjection = "go-command-injection"
	PathTraversal    = "go-path-traversal"
	ZipSlip          = "go-zip-slip"
	SSRF             = "go-ssrf"
	OpenRedirect     = "go-open-redirect"
	XSS              = "go-xss"
	TemplateInject   = "go-template-injection"
	LogInjection     = "go-log-injection"
	LDAPInjection    = "go-ldap-injection"
	XPathInjection   = "go-xpath-injection"
	TrustBoundary    = "go-trust-boundary"
	UnboundedRead    = "go-unbounded-read"
	DecompressBomb   = "go-decompression-bomb"
)

// Classes lists every class the engine reports, in the order the documentation shows them.
func Classes() []Class {
	return []Class{
		{SQLInjection, "SQL query built from untrusted input", "CWE-89", "high",
			"Pass untrusted values as query arguments (placeholders such as ? or $1), never inside the query string.", []string{"G201", "G202"}},
		{CommandInjection, "command run with untrusted input", "CWE-78", "critical",
			"Run a fixed program with an argument list; never pass untrusted input to a shell or as the program name.", []string{"G204"}},
		{PathTraversal, "file path built from untrusted input", "CWE-22", "high",
			"Keep only filepath.Base of the input, or Clean the joined path and check it still has the base directory as prefix (os.Root confines all of this).", []string{"G304"}},
		{ZipSlip, "archive entry name used as a file path (zip-slip)", "CWE-22", "high",
			"Join the entry name to the destination, Clean it and refuse it unless it stays under the destination (or extract through os.Root).", []string{"G305"}},
		{SSRF, "outbound request to a URL built from untrusted input", "CWE-918", "high",
			"Parse the URL and compare its host against an allow-list before requesting it.", []string{"G107"}},
		{OpenRedirect, "redirect to a URL built from untrusted input", "CWE-601", "medium",
			"Redirect only to relative paths or to hosts on an allow-list.", nil},
		{XSS, "untrusted input written to an HTTP response as HTML", "CWE-79", "high",
			"Render through html/template, or escape with html.EscapeString; never convert untrusted input to template.HTML.", []string{"G203"}},
		{TemplateInject, "template text from untrusted input", "CWE-1336", "high",
			"Parse templates only from trusted text; pass untrusted input as data to Execute.", nil},
		{LogInjection, "untrusted input written to a log", "CWE-117", "low",
			"Log untrusted values as structured attributes (log/slog) or quoted (%q, strconv.Quote), so newlines cannot forge entries.", nil},
		{LDAPInjection, "LDAP filter built from untrusted input", "CWE-90", "high",
			"Escape values with ldap.EscapeFilter before putting them in a filter.", nil},
		{XPathInjection, "XPath expression built from untrusted input", "CWE-643", "high",
			"Never build XPath expressions from input; compare the input against the selected values instead.", nil},
		{TrustBoundary, "untrusted input stored in a session", "CWE-501", "medium",
			"Validate input before storing it where later code treats it as trusted (a session).", nil},
		{UnboundedRead, "request body read without a size limit", "CWE-400", "medium",
			"Wrap the body with http.MaxBytesReader (or io.LimitReader) before reading it whole.", nil},
		{DecompressBomb, "untrusted compressed data decompressed without a size limit", "CWE-409", "medium",
			"Copy from the decompressor through io.LimitReader or io.CopyN with a limit.", []string{"G110"}},
	}
}

// sourceKind tells which rule a source's taint reports under when one sink serves several rules.
type sourceKind uint8

const (
	kindInput        sourceKind = iota // request data, sockets: what a remote party controls
	kindLocal                          // arguments, environment, flags, standard input: the operator's
	kindBody                           // a request body or socket: an unbounded stream
	kindArchive                        // an archive entry's name
	kindDecompressed                   // a decompressor over untrusted input
)

// sourceSpec is a call whose result is untrusted, or (Mut) whose argument is filled with untrusted data.
type sourceSpec struct {
	f    Func
	kind sourceKind
	mut  int // ≥ 0: the argument (receiver not counted) that receives the data; −1: the result
}

// fieldSource is a struct field whose value is untrusted.
type fieldSource struct {
	pkg, typ, field string
	kind            sourceKind
}

var fieldSources = []fieldSource{
	{"net/http", "Request", "URL", kindInput},
	{"net/http", "Request", "Form", kindInput},
	{"net/http", "Request", "PostForm", kindInput},
	{"net/http", "Request", "MultipartForm", kindInput},
	{"net/http", "Request", "Header", kindInput},
	{"net/http", "Request", "Trailer", kindInput},
	{"net/http", "Request", "Body", kindBody},
	{"net/http", "Request", "Host", kindInput},
	{"net/http", "Request", "RequestURI", kindInput},
	{"archive/zip", "FileHeader", "Name", kindArchive},
	{"archive/tar", "Header", "Name", kindArchive},
	{"archive/tar", "Header", "Linkname", kindArchive},
}

// globalSources are package variables whose contents are untrusted.
var globalSources = []fieldSource{
	{"os", "", "Args", kindLocal},
	{"os", "", "Stdin", kindLocal},
}

func src(s string, kind sourceKind) sourceSpec {
	f, err := ParseFunc(s)
	if err != nil {
		panic(err) // the built-in table is a literal held by TestBuiltinTables
	}
	return sourceSpec{f: f, kind: kind, mut: -1}
}

func srcMut(s string, arg int) sourceSpec {
	kind := kindInput
	if strings.HasPrefix(s, "flag.") {
		kind = kindLocal
	}
	sp := src(s, kind)
	sp.mut = arg
	return sp
}

var builtinSources = []sourceSpec{
	src("net/http.Request.FormValue", kindInput),
	src("net/http.Request.PostFormValue", kindInput),
	src("net/http.Request.Cookie", kindInput),
	src("net/http.Request.Cookies", kindInput),
	src("net/http.Request.CookiesNamed", kindInput),
	src("net/http.Request.PathValue", kindInput),
	src("net/http.Request.UserAgent", kindInput),
	src("net/http.Request.Referer", kindInput),
	src("net/http.Request.FormFile", kindBody),
	src("net/http.Request.MultipartReader", kindBody),
	src("net/http.Request.BasicAuth", kindInput),
	src("os.Getenv", kindLocal),
	src("os.LookupEnv", kindLocal),
	src("os.Environ", kindLocal),
	src("flag.String", kindLocal),
	src("flag.Arg", kindLocal),
	src("flag.Args", kindLocal),
	src("flag.FlagSet.String", kindLocal),
	src("flag.FlagSet.Arg", kindLocal),
	src("flag.FlagSet.Args", kindLocal),
	srcMut("flag.StringVar", 0),
	srcMut("flag.FlagSet.StringVar", 0),
	src("net.Listener.Accept", kindBody),
	src("net.TCPListener.Accept", kindBody),
	src("net.TCPListener.AcceptTCP", kindBody),
	src("net.UnixListener.Accept", kindBody),
	src("net.ListenPacket", kindBody),
	src("net.ListenUDP", kindBody),
	// gin
	src("github.com/gin-gonic/gin.Context.Query", kindInput),
	src("github.com/gin-gonic/gin.Context.DefaultQuery", kindInput),
	src("github.com/gin-gonic/gin.Context.GetQuery", kindInput),
	src("github.com/gin-gonic/gin.Context.QueryArray", kindInput),
	src("github.com/gin-gonic/gin.Context.QueryMap", kindInput),
	src("github.com/gin-gonic/gin.Context.Param", kindInput),
	src("github.com/gin-gonic/gin.Context.PostForm", kindInput),
	src("github.com/gin-gonic/gin.Context.DefaultPostForm", kindInput),
	src("github.com/gin-gonic/gin.Context.GetPostForm", kindInput),
	src("github.com/gin-gonic/gin.Context.PostFormArray", kindInput),
	src("github.com/gin-gonic/gin.Context.GetHeader", kindInput),
	src("github.com/gin-gonic/gin.Context.Cookie", kindInput),
	src("github.com/gin-gonic/gin.Context.FormFile", kindBody),
	src("github.com/gin-gonic/gin.Context.GetRawData", kindBody),
	srcMut("github.com/gin-gonic/gin.Context.Bind", 0),
	srcMut("github.com/gin-gonic/gin.Context.BindJSON", 0),
	srcMut("github.com/gin-gonic/gin.Context.ShouldBind", 0),
	srcMut("github.com/gin-gonic/gin.Context.ShouldBindJSON", 0),
	srcMut("github.com/gin-gonic/gin.Context.ShouldBindQuery", 0),
	srcMut("github.com/gin-gonic/gin.Context.ShouldBindUri", 0),
	// echo (Context is an interface)
	src("github.com/labstack/echo/v4.Context.QueryParam", kindInput),
	src("github.com/labstack/echo/v4.Context.QueryParams", kindInput),
	src("github.com/labstack/echo/v4.Context.QueryString", kindInput),
	src("github.com/labstack/echo/v4.Context.Param", kindInput),
	src("github.com/labstack/echo/v4.Context.ParamValues", kindInput),
	src("github.com/labstack/echo/v4.Context.FormValue", kindInput),
	src("github.com/labstack/echo/v4.Context.FormParams", kindInput),
	src("github.com/labstack/echo/v4.Context.Cookie", kindInput),
	src("github.com/labstack/echo/v4.Context.Cookies", kindInput),
	srcMut("github.com/labstack/echo/v4.Context.Bind", 0),
	// chi
	src("github.com/go-chi/chi/v5.URLParam", kindInput),
	src("github.com/go-chi/chi/v5.URLParamFromCtx", kindInput),
	src("github.com/go-chi/chi.URLParam", kindInput),
	// fiber
	src("github.com/gofiber/fiber/v2.Ctx.Query", kindInput),
	src("github.com/gofiber/fiber/v2.Ctx.Params", kindInput),
	src("github.com/gofiber/fiber/v2.Ctx.FormValue", kindInput),
	src("github.com/gofiber/fiber/v2.Ctx.Get", kindInput),
	src("github.com/gofiber/fiber/v2.Ctx.Cookies", kindInput),
	src("github.com/gofiber/fiber/v2.Ctx.Body", kindBody),
	src("github.com/gofiber/fiber/v2.Ctx.OriginalURL", kindInput),
	srcMut("github.com/gofiber/fiber/v2.Ctx.BodyParser", 0),
	srcMut("github.com/gofiber/fiber/v2.Ctx.QueryParser", 0),
	// gorilla/mux
	src("github.com/gorilla/mux.Vars", kindInput),
	// beego
	src("github.com/beego/beego/v2/server/web.Controller.GetString", kindInput),
	src("github.com/beego/beego/v2/server/web.Controller.GetStrings", kindInput),
	src("github.com/beego/beego/v2/server/web/context.BeegoInput.Query", kindInput),
	src("github.com/beego/beego/v2/server/web/context.BeegoInput.Param", kindInput),
	src("github.com/beego/beego/v2/server/web/context.BeegoInput.Header", kindInput),
	src("github.com/beego/beego/v2/server/web/context.BeegoInput.Cookie", kindInput),
}

// sinkSpec is a call whose argument must not be untrusted.
type sinkSpec struct {
	f     Func
	class string
	// arg is the argument checked (receiver not counted); firstString means the first string
	// parameter (SQL methods: Query(query, …) and QueryContext(ctx, query, …)).
	arg int
	// shellArgs: the variadic arguments (arg+1 …) count too when arg is a constant shell name.
	shellArgs bool
	// writer: only when the io.Writer argument 0 is an http.ResponseWriter; the data arguments
	// are checked.
	writer bool
}

const (
	firstString = -1
	anyArg      = -2 // every argument but a writer or context
)

func sink(s, class string, arg int) sinkSpec {
	f, err := ParseFunc(s)
	if err != nil {
		panic(err) // the built-in table is a literal held by TestBuiltinTables
	}
	return sinkSpec{f: f, class: class, arg: arg}
}

func sqlSinks(pkg string, recvs []string, names ...string) []sinkSpec {
	var out []sinkSpec
	for _, r := range recvs {
		for _, n := range names {
			out = append(out, sink(pkg+"."+r+"."+n, SQLInjection, firstString))
		}
	}
	return out
}

func builtinSinks() []sinkSpec {
	var out []sinkSpec
	out = append(out, sqlSinks("database/sql", []string{"DB", "Tx", "Conn"},
		"Query", "QueryContext", "QueryRow", "QueryRowContext", "Exec", "ExecContext", "Prepare", "PrepareContext")...)
	out = append(out, sqlSinks("github.com/jmoiron/sqlx", []string{"DB", "Tx"},
		"Query", "QueryContext", "QueryRow", "QueryRowContext", "Exec", "ExecContext", "Prepare", "PrepareContext",
		"Queryx", "QueryxContext", "QueryRowx", "QueryRowxContext", "Select", "SelectContext", "Get", "GetContext",
		"MustExec", "MustExecContext", "NamedExec", "NamedExecContext", "NamedQuery", "NamedQueryContext", "Preparex", "PreparexContext")...)
	out = append(out, sqlSinks("gorm.io/gorm", []string{"DB"}, "Raw", "Exec", "Where", "Or", "Not", "Order", "Group", "Having", "Select", "Joins")...)
	out = append(out, sqlSinks("github.com/jackc/pgx/v5", []string{"Conn", "Tx"}, "Query", "QueryRow", "Exec", "Prepare")...)
	out = append(out, sqlSinks("github.com/jackc/pgx/v5/pgxpool", []string{"Pool", "Conn", "Tx"}, "Query", "QueryRow", "Exec")...)
	cmd := sink("os/exec.Command", CommandInjection, 0)
	cmd.shellArgs = true
	cmdCtx := sink("os/exec.CommandContext", CommandInjection, 1)
	cmdCtx.shellArgs = true
	out = append(out, cmd, cmdCtx,
		sink("syscall.Exec", CommandInjection, 0), sink("syscall.Exec", CommandInjection, 1),
		sink("os.StartProcess", CommandInjection, 0), sink("os.StartProcess", CommandInjection, 1))
	for _, n := range []string{"Open", "OpenFile", "ReadFile", "WriteFile", "Create", "Remove", "RemoveAll", "Mkdir",
		"MkdirAll", "Chmod", "Chown", "Lchown", "Truncate", "ReadDir", "OpenInRoot", "DirFS", "Symlink", "Link", "Rename"} {
		out = append(out, sink("os."+n, PathTraversal, 0))
	}
	out = append(out, sink("os.Symlink", PathTraversal, 1), sink("os.Link", PathTraversal, 1), sink("os.Rename", PathTraversal, 1),
		sink("io/ioutil.ReadFile", PathTraversal, 0), sink("io/ioutil.WriteFile", PathTraversal, 0),
		sink("net/http.ServeFile", PathTraversal, 2))
	out = append(out,
		sink("net/http.Get", SSRF, 0), sink("net/http.Head", SSRF, 0), sink("net/http.Post", SSRF, 0),
		sink("net/http.PostForm", SSRF, 0), sink("net/http.NewRequest", SSRF, 1), sink("net/http.NewRequestWithContext", SSRF, 2),
		sink("net/http.Client.Get", SSRF, 0), sink("net/http.Client.Head", SSRF, 0), sink("net/http.Client.Post", SSRF, 0),
		sink("net/http.Client.PostForm", SSRF, 0),
		sink("net/http.Redirect", OpenRedirect, 2),
		sink("text/template.Template.Parse", TemplateInject, 0), sink("html/template.Template.Parse", TemplateInject, 0),
		sink("github.com/go-ldap/ldap/v3.NewSearchRequest", LDAPInjection, 6),
		sink("github.com/antchfx/xpath.Compile", XPathInjection, 0), sink("github.com/antchfx/xpath.MustCompile", XPathInjection, 0),
		sink("github.com/antchfx/htmlquery.Find", XPathInjection, 1), sink("github.com/antchfx/htmlquery.QueryAll", XPathInjection, 1),
		sink("github.com/antchfx/htmlquery.Query", XPathInjection, 1), sink("github.com/antchfx/xmlquery.Find", XPathInjection, 1),
		sink("github.com/antchfx/xmlquery.QueryAll", XPathInjection, 1), sink("github.com/antchfx/xmlquery.Query", XPathInjection, 1),
		sink("io.ReadAll", UnboundedRead, 0), sink("io/ioutil.ReadAll", UnboundedRead, 0),
		sink("io.Copy", DecompressBomb, 1), sink("io.CopyBuffer", DecompressBomb, 1),
	)
	for _, n := range []string{"Fprintf", "Fprint", "Fprintln"} {
		s := sink("fmt."+n, XSS, anyArg)
		s.writer = true
		out = append(out, s)
	}
	ws := sink("io.WriteString", XSS, 1)
	ws.writer = true
	out = append(out, ws, sink("net/http.ResponseWriter.Write", XSS, 0))
	for _, n := range []string{"Execute", "ExecuteTemplate"} {
		s := sink("text/template.Template."+n, XSS, anyArg)
		s.writer = true
		out = append(out, s)
	}
	for _, n := range []string{"Print", "Printf", "Println", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln"} {
		out = append(out, sink("log."+n, LogInjection, anyArg), sink("log.Logger."+n, LogInjection, anyArg))
	}
	return out
}

// sanitizerSpec is a call whose result carries no taint for the listed classes (all when empty).
type sanitizerSpec struct {
	f       Func
	classes []string
}

func san(s string, classes ...string) sanitizerSpec {
	f, err := ParseFunc(s)
	if err != nil {
		panic(err) // the built-in table is a literal held by TestBuiltinTables
	}
	return sanitizerSpec{f: f, classes: classes}
}

var builtinSanitizers = []sanitizerSpec{
	san("path/filepath.Base", PathTraversal, ZipSlip),
	san("path.Base", PathTraversal, ZipSlip),
	san("path/filepath.Localize", PathTraversal, ZipSlip),
	// securejoin resolves the name inside the root, symbolic links included (Helm, containerd).
	san("github.com/cyphar/filepath-securejoin.SecureJoin", PathTraversal, ZipSlip),
	san("github.com/cyphar/filepath-securejoin.SecureJoinVFS", PathTraversal, ZipSlip),
	san("html.EscapeString"),
	san("html/template.HTMLEscapeString"),
	san("html/template.JSEscapeString"),
	san("text/template.HTMLEscapeString"),
	san("net/url.QueryEscape"),
	san("net/url.PathEscape"),
	san("strconv.Quote"),
	san("strconv.QuoteToASCII"),
	san("github.com/go-ldap/ldap/v3.EscapeFilter"),
	san("github.com/go-ldap/ldap/v3.EscapeDN"),
	san("net/http.MaxBytesReader", UnboundedRead, DecompressBomb),
	san("io.LimitReader", UnboundedRead, DecompressBomb),
}

// guardSpec is a boolean check: on the branch where it holds, the checked argument is clean for
// the listed classes (all when empty), provided that branch dominates the sink.
type guardSpec struct {
	f       Func
	arg     int // the checked argument (receiver not counted)
	cleaned bool
	classes []string
}

var builtinGuards = []guardSpec{
	// A prefix check proves containment only of a cleaned path: the value checked must come from
	// filepath.Clean, Join (which cleans) or Abs.
	{f: Func{"strings", "", "HasPrefix"}, arg: 0, cleaned: true, classes: []string{PathTraversal, ZipSlip}},
	{f: Func{"regexp", "Regexp", "MatchString"}, arg: 0},
	{f: Func{"regexp", "", "MatchString"}, arg: 1},
	{f: Func{"slices", "", "Contains"}, arg: 1},
	{f: Func{"path/filepath", "", "IsLocal"}, arg: 0, classes: []string{PathTraversal, ZipSlip}},
}
