package finding

// The run vocabulary beside Finding: what a run left out on purpose (Skip) and what it could not
// check (Problem). Parsers and analyzers report both; they live here, not with the report
// writers, so producing them never means importing the writers.

// Skip is a path the scan deliberately did not look at, and why; reported so users can see it.
type Skip struct {
	Path   string `json:"path"`
	Reason string `json:"reason"` // one of the Skip* reasons below, or an analyzer's own
}

// The engine's skip reasons.
const (
	SkipGitignore = "gitignore"
	SkipDefault   = "default-rule" // vendored code, lock files, test fixtures …: the explicit default list
	SkipBinary    = "binary"
	SkipTooLarge  = "too-large"
	SkipSymlink   = "symlink"
	SkipExcluded  = "excluded" // user --exclude or config
)

// Problem is something that went wrong with one input; the scan went on, and the run reports it
// instead of dropping the file silently.
type Problem struct {
	Path    string `json:"path,omitempty"`
	Line    int    `json:"line,omitempty"`
	Scanner string `json:"scanner,omitempty"`
	Message string `json:"message"`
	// Kind is what kind of input went unchecked (one of ProblemKinds); the gate accepts or fails
	// problems by kind. The producer sets it; a problem left without one counts as ProblemOther.
	Kind string `json:"kind,omitempty"`
	// Accepted is true when the user accepted problems of this kind (scan.accept-problems or
	// --fail-on-problems=false), so the problem did not fail the gate.
	Accepted bool `json:"accepted,omitempty"`
}

// The kinds of problem, the vocabulary of scan.accept-problems. Each names a way an input can go
// unchecked; ProblemOther is everything the others do not name.
const (
	ProblemNoVulnDB    = "no-vulndb"               // no vulnerability database, or an empty one
	ProblemStaleVulnDB = "stale-vulndb"            // the database is older than deps.max-age
	ProblemUnmatched   = "unmatched"               // a package of an ecosystem the database cannot match
	ProblemParse       = "parse"                   // a file could not be parsed (lockfile, IaC, SBOM, …)
	ProblemRender      = "render"                  // a Helm chart or Kustomize overlay did not render
	ProblemTooLarge    = "too-large"               // a file over a size limit was not (fully) checked
	ProblemRead        = "read"                    // a file could not be read
	ProblemPolicy      = "policy"                  // a custom CEL or Rego policy failed on an input
	ProblemSuppression = "suppression"             // an expired ignore entry, a directive without a reason, an unknown rule
	ProblemBaseUpdate  = "base-update-unavailable" // --check-base-update could not tell whether a newer base removes findings
	ProblemOther       = "other"                   // anything else: an analyzer error, an interrupted step
)

// ProblemKinds lists every problem kind, in the order the documentation describes them.
func ProblemKinds() []string {
	return []string{ProblemNoVulnDB, ProblemStaleVulnDB, ProblemUnmatched, ProblemParse, ProblemRender,
		ProblemTooLarge, ProblemRead, ProblemPolicy, ProblemSuppression, ProblemBaseUpdate, ProblemOther}
}
