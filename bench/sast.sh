#!/usr/bin/env bash
# bench/sast.sh DIR… — time Palisade's Go analyser (`palisade scan --scanners sast`) on real Go
# projects and compare with gosec when it is on PATH (or GOSEC=/path/to/gosec).
#
# For each DIR (a Go module or a tree of them; e.g. this repository, or a copy of a module from
# the module cache such as k8s.io/client-go or helm.sh/helm/v3 — copy it out, the cache is
# read-only), prints wall time, CPU time (user + sys: the machine is shared) and peak memory (max
# RSS) of both tools, and their findings per CWE side by side, the injection classes first.
#
# gosec is never built into this repository. To get one, build it outside:
#   GOBIN=/tmp/gosec go install github.com/securego/gosec/v2/cmd/gosec@v2.30.0
# Both tools run with GOPROXY=off and GOFLAGS=-mod=mod, so neither downloads anything: a module
# whose dependencies are not in the module cache is a problem for Palisade (reported) and an
# error for gosec.
#
# Example: bench/sast.sh . /tmp/client-go
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: bench/sast.sh DIR…" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gosec=${GOSEC:-$(command -v gosec || true)}
export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local

(cd "$repo" && go build -tags kustomize_disable_go_plugin_support -o "$tmp/palisade" ./cmd/palisade)
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$gosec" ] || echo "gosec: not on PATH (set GOSEC=…); Palisade only"

# timed OUT CMD… runs CMD in the current directory (stdout to OUT) and prints
# "wall user sys maxrss_kib"; times in seconds.
timed() {
	local out=$1 start end
	shift
	start=$(date +%s.%N)
	/usr/bin/time -f '%U %S %M' -o "$tmp/cpu" "$@" >"$out" 2>"$tmp/err" || true
	end=$(date +%s.%N)
	echo "$(echo "$end - $start" | bc) $(tail -1 "$tmp/cpu")"
}

cat >"$tmp/side.py" <<'PY'
import collections, json, sys

# gosec rule → CWE, for the rules whose class Palisade's taint rules cover.
GOSEC_CWE = {"G201": "CWE-89", "G202": "CWE-89", "G204": "CWE-78", "G304": "CWE-22", "G305": "CWE-22",
             "G107": "CWE-918", "G110": "CWE-409", "G203": "CWE-79", "G114": "CWE-676"}

def palisade(path):
    try:
        doc = json.load(open(path))
    except Exception as e:
        return collections.Counter(), [f"unreadable report: {e}"], []
    c = collections.Counter()
    where = []
    for f in doc.get("findings", []):
        cwe = (f.get("cwe") or ["?"])[0]
        c[cwe] += 1
        loc = f["location"]
        where.append((cwe, f"{loc['path']}:{loc.get('startLine', 0)}", f["ruleId"]))
    return c, [p.get("message", "")[:160] for p in doc.get("problems", [])], where

def gosec(path):
    try:
        doc = json.load(open(path))
    except Exception:
        return collections.Counter(), ["no report"], []
    c = collections.Counter()
    where = []
    for i in doc.get("Issues") or []:
        cwe = GOSEC_CWE.get(i["rule_id"]) or ("CWE-" + str((i.get("cwe") or {}).get("id", "?")))
        c[cwe] += 1
        where.append((cwe, f"{i['file']}:{i['line']}", i["rule_id"]))
    return c, [str(e)[:160] for e in (doc.get("Golang errors") or {}).items()], where

p, pprob, pwhere = palisade(sys.argv[1])
g, gprob, gwhere = gosec(sys.argv[2]) if len(sys.argv) > 2 else (collections.Counter(), [], [])
injection = ["CWE-89", "CWE-78", "CWE-22", "CWE-918", "CWE-79", "CWE-601", "CWE-1336", "CWE-90", "CWE-643", "CWE-409", "CWE-400", "CWE-117", "CWE-501"]
print(f"  {'CWE':<10} {'palisade':>9} {'gosec':>7}")
for cwe in injection + sorted((set(p) | set(g)) - set(injection)):
    if p[cwe] or g[cwe]:
        print(f"  {cwe:<10} {p[cwe]:>9} {g[cwe]:>7}")
print(f"  {'total':<10} {sum(p.values()):>9} {sum(g.values()):>7}")
for label, probs in (("palisade problems", pprob), ("gosec errors", gprob)):
    if probs:
        print(f"  {label}: {len(probs)}; first: {probs[0]}")
# The injection-class findings of each, for classifying by hand (the note in docs/sast.md).
for label, where in (("palisade", pwhere), ("gosec", gwhere)):
    for cwe, at, rule in sorted(w for w in where if w[0] in injection)[:40]:
        print(f"  {label:<8} {cwe:<8} {rule:<22} {at}")
PY

for dir in "$@"; do
	dir=$(cd "$dir" && pwd)
	echo
	echo "== $dir ($(find "$dir" -name '*.go' -not -path '*/vendor/*' -not -path '*/testdata/*' | wc -l) Go files)"
	cd "$dir"
	# An untimed first run fills the build cache for both tools' go list.
	"$tmp/palisade" scan --scanners sast --no-progress --format json --output "$tmp/warm.json" . >/dev/null 2>&1 || true
	read -r pw pu ps pm < <(timed /dev/null "$tmp/palisade" scan --scanners sast --no-progress --fail-on critical --format json --output "$tmp/p.json" .)
	echo "  palisade: wall ${pw}s cpu $(echo "$pu + $ps" | bc)s maxrss $((pm / 1024)) MiB"
	if [ -n "$gosec" ]; then
		read -r gw gu gs gm < <(timed "$tmp/g.json" "$gosec" -quiet -fmt json -no-fail ./...)
		echo "  gosec:    wall ${gw}s cpu $(echo "$gu + $gs" | bc)s maxrss $((gm / 1024)) MiB"
		python3 "$tmp/side.py" "$tmp/p.json" "$tmp/g.json"
	else
		python3 "$tmp/side.py" "$tmp/p.json"
	fi
done
