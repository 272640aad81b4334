#!/usr/bin/env bash
# bench/secrets.sh [DIR] — throughput and memory of Palisade's secret scanner against Gitleaks on a
# large real source tree, both pinned to 2 cores.
#
# DIR defaults to the Go standard library source, $(go env GOROOT)/src (~150 MB of real code).
# Palisade runs through the CLI:
#   palisade scan DIR --scanners secret --format json --output FILE --no-progress $PALISADE_FLAGS
# PALISADE_FLAGS defaults to "--default-skips=false --gitignore=false" so both tools read the same
# files (Gitleaks has no skip list); set PALISADE_FLAGS= to measure the default behaviour.
#
# Gitleaks runs when `gitleaks` is on PATH, or when GITLEAKS and/or GITLEAKS_RE2 point to builds
# (the standard build and one built with -tags gore2regex): `gitleaks dir DIR`.
#
# For each tool: best wall time of RUNS runs (default 3), its CPU seconds, MB/s (tree bytes / wall),
# peak RSS (/usr/bin/time -v), findings; then the speed ratios by wall and by CPU time (on a busy
# machine wall time is noise; CPU time is what the scan costs) and, with python3, the findings
# compared by file and line.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$(cd "$repo" && go env GOROOT)/src}
dir=$(cd "$dir" && pwd)
runs=${RUNS:-3}
flags=${PALISADE_FLAGS---default-skips=false --gitignore=false}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x /usr/bin/time ]; then
	echo "need /usr/bin/time for peak RSS: apt-get install -y time" >&2
	exit 2
fi
pin=()
if command -v taskset >/dev/null 2>&1; then
	pin=(taskset -c 0,1)
fi
export GOMAXPROCS=2

bytes=$(find "$dir" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$dir" -type f | wc -l)
echo "tree: $dir — $files files, $((bytes / 1000000)) MB; 2 cores (${pin[*]:-no taskset}), best of $runs runs"

(cd "$repo" && go build -tags kustomize_disable_go_plugin_support -o "$tmp/palisade" ./cmd/palisade)

# measure NAME REPORT CMD… runs CMD $runs times and prints one result line; the report of the
# last run is left in REPORT.
declare -A wall cpus
measure() {
	local name=$1 report=$2
	shift 2
	local best="" cpu="" rss=""
	for _ in $(seq "$runs"); do
		rm -f "$report"
		# Exit status 1 means "findings at or above the gate" for both tools: not an error.
		/usr/bin/time -v -o "$tmp/time" "${pin[@]}" "$@" >"$tmp/out" 2>&1 || true
		if [ ! -s "$report" ]; then
			echo "$name: no report written; output:" >&2
			tail -5 "$tmp/out" >&2
			return 1
		fi
		local w u s m
		w=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); t=0; for(i=1;i<=n;i++) t=t*60+a[i]; print t}' "$tmp/time")
		u=$(awk -F': ' '/User time/ {print $2}' "$tmp/time")
		s=$(awk -F': ' '/System time/ {print $2}' "$tmp/time")
		m=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time")
		if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN {exit !(a < b)}'; then
			best=$w
			cpu=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')
		fi
		if [ -z "$rss" ] || [ "$m" -gt "$rss" ]; then
			rss=$m
		fi
	done
	wall[$name]=$best
	cpus[$name]=$cpu
	local n
	n=$(count "$name" "$report")
	awk -v n="$name" -v w="$best" -v c="$cpu" -v b="$bytes" -v r="$rss" -v f="$n" 'BEGIN {
		printf "%-16s wall %6.2fs  cpu %6.2fs  %7.1f MB/s  peak RSS %5d MB  findings %s\n", n, w, c, b / 1e6 / w, r / 1024, f }'
}

count() {
	case $1 in
	palisade) python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"] or []))' "$2" ;;
	*) python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])) or []))' "$2" ;;
	esac
}

# shellcheck disable=SC2086 # $flags is a list of flags
measure palisade "$tmp/palisade.json" "$tmp/palisade" scan "$dir" --scanners secret --format json \
	--output "$tmp/palisade.json" --no-progress $flags

gitleaks_std=${GITLEAKS:-}
gitleaks_re2=${GITLEAKS_RE2:-}
if [ -z "$gitleaks_std$gitleaks_re2" ] && command -v gitleaks >/dev/null 2>&1; then
	gitleaks_std=$(command -v gitleaks)
fi
ref=""
for pair in "gitleaks:$gitleaks_std" "gitleaks-re2:$gitleaks_re2"; do
	name=${pair%%:*} bin=${pair#*:}
	[ -n "$bin" ] || continue
	measure "$name" "$tmp/$name.json" "$bin" dir "$dir" --report-format json --report-path "$tmp/$name.json" \
		--no-banner --exit-code 0 --log-level error
	ref=$name
done

if [ -z "$ref" ]; then
	echo "gitleaks not found (put it on PATH or set GITLEAKS / GITLEAKS_RE2): no comparison"
	exit 0
fi
for name in gitleaks gitleaks-re2; do
	[ -n "${wall[$name]:-}" ] || continue
	awk -v n="$name" -v g="${wall[$name]}" -v p="${wall[palisade]}" -v gc="${cpus[$name]}" -v pc="${cpus[palisade]}" 'BEGIN {
		printf "palisade vs %s: %.1fx the throughput by wall time, %.1fx by CPU time\n", n, g / p, gc / pc }'
done

# Findings by file and line: what each tool reports that the other does not.
python3 - "$dir" "$tmp/palisade.json" "$tmp/$ref.json" "$ref" <<'PY'
import json, os, sys
root, pal, gl, ref = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
p = {}
for f in json.load(open(pal))["findings"] or []:
    p.setdefault((f["location"]["path"], f["location"]["startLine"]), f["ruleId"])
g = {}
for f in json.load(open(gl)) or []:
    g.setdefault((os.path.relpath(f["File"], root), f["StartLine"]), f["RuleID"])
both = p.keys() & g.keys()
print(f"findings by file:line — both {len(both)}, only palisade {len(p.keys() - g.keys())}, only {ref} {len(g.keys() - p.keys())}")
for k in sorted(g.keys() - p.keys()):
    print(f"  only {ref}: {k[0]}:{k[1]} {g[k]}")
for k in sorted(p.keys() - g.keys()):
    print(f"  only palisade: {k[0]}:{k[1]} {p[k]}")
PY
