#!/usr/bin/env bash
# bench/deps.sh — measure Palisade's dependency scanner against real data, and compare it with
# osv-scanner on the same inputs when osv-scanner is available.
#
#   1. import the shared OSV exports (../shared/data/osv/<ecosystem>/all.zip) with `palisade db import`,
#      timed;
#   2. scan each input directory with `palisade scan --scanners deps` (timed, process start to exit)
#      and with the in-process harness (internal/scan/deps TestScanDirHarness: time inside the
#      process, and the problems reported);
#   3. if osv-scanner is on PATH (or $OSV_SCANNER names it), scan the same directories with
#      `osv-scanner scan source --offline --offline-vulnerabilities --local-db-path … --no-call-analysis=all`
#      against the SAME zips, and print both times, the ratio and the difference of the advisory sets.
#
# Inputs: Palisade's own go.mod/go.sum always; every directory under $PALISADE_BENCH_INPUTS
# (default /work/peers/bench-inputs) as well, if it exists — put copies of real lockfiles there.
# Needs: go, python3. Talks to no network (osv-scanner runs with offline flags).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
data=${PALISADE_SHARED_DATA:-$repo/../shared/data}/osv
inputs=${PALISADE_BENCH_INPUTS:-/work/peers/bench-inputs}
osv=${OSV_SCANNER:-$(command -v osv-scanner || true)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -f "$data/Go/all.zip" ]; then
	echo "bench/deps.sh: the shared OSV data is not at $data (set PALISADE_SHARED_DATA)" >&2
	exit 2
fi

runs=${BENCH_RUNS:-3}
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.3f}')"; }
# best_of CMD…: run CMD $runs times, print the fastest wall time in seconds (the machine is shared,
# so the minimum is the figure least disturbed by other jobs).
best_of() {
	local best="" t0 t1 d
	for _ in $(seq "$runs"); do
		t0=$(now)
		"$@" || true
		t1=$(now)
		d=$(secs "$t0" "$t1")
		best=$(python3 -c "print(min(float('$d'), float('${best:-1e9}')))")
	done
	python3 -c "print(f'{$best:.3f}')"
}

cd "$repo"
echo "building palisade and the deps bench harness…"
go build -tags kustomize_disable_go_plugin_support -o "$work/palisade" ./cmd/palisade
go test -c -o "$work/depsbench" ./internal/scan/deps

echo
echo "== import: $(ls "$data" | tr '\n' ' ')"
t0=$(now)
"$work/palisade" db import --db-dir "$work/db" "$data" >/dev/null
t1=$(now)
echo "palisade db import: $(secs "$t0" "$t1") s"
"$work/palisade" db status --db-dir "$work/db" --max-age 100000d | sed 's/^/  /'

# osv-scanner reads <local-db-path>/osv-scalibr/<ecosystem>/all.zip: point it at the same files.
mkdir -p "$work/osvdb/osv-scalibr"
for d in "$data"/*/; do
	eco=$(basename "$d")
	mkdir -p "$work/osvdb/osv-scalibr/$eco"
	ln -s "$d/all.zip" "$work/osvdb/osv-scalibr/$eco/all.zip"
done

# The inputs: Palisade's own module files, then any prepared directories.
mkdir -p "$work/in/palisade-self"
cp "$repo/go.mod" "$repo/go.sum" "$work/in/palisade-self/"
dirs=("$work/in/palisade-self")
if [ -d "$inputs" ]; then
	for d in "$inputs"/*/; do dirs+=("${d%/}"); done
fi

total_p=0
total_o=0
for dir in "${dirs[@]}"; do
	name=$(basename "$dir")
	echo
	echo "== $name ($(find "$dir" -type f | wc -l) files)"
	# In process (the harness): how long opening the database, extracting and matching take.
	PALISADE_BENCH_SCAN_DIR="$dir" PALISADE_DB_DIR="$work/db" PALISADE_BENCH_OUT="$work/$name.harness.jsonl" \
		"$work/depsbench" -test.run '^TestScanDirHarness$' -test.v >"$work/$name.palisade.log" 2>&1 ||
		{ cat "$work/$name.palisade.log"; exit 1; }
	grep -E 'palisade deps:' "$work/$name.palisade.log" | sed 's/^ *harness_test.go:[0-9]*: /  /'
	echo "  problems reported: $(grep -c 'problem:' "$work/$name.palisade.log" || true)"
	# End to end, as users run it: the palisade binary, process start to exit. Its JSON report
	# gives the advisory set compared below.
	p=$(best_of sh -c 'PALISADE_DB_DIR="$1/db" "$1/palisade" scan --scanners deps --no-progress --fail-on critical --fail-on-problems=false \
		--format "json:$1/$2.palisade.json" "$3" >"$1/$2.cli.log" 2>&1' _ "$work" "$name" "$dir")
	if [ ! -s "$work/$name.palisade.json" ]; then
		cat "$work/$name.cli.log"
		exit 1
	fi
	python3 - "$work/$name.palisade.json" "$work/$name.palisade.jsonl" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as out:
    for f in doc.get("findings") or []:
        pr = f.get("properties") or {}
        if not pr.get("ecosystem"):
            continue  # licence findings
        ids = [f["ruleId"]] + [a for a in pr.get("aliases", "").split(",") if a]
        out.write(json.dumps({"ecosystem": pr["ecosystem"], "package": pr["package"], "version": pr["version"], "ids": ids}) + "\n")
PY
	echo "  palisade scan --scanners deps: $p s (process start to exit, best of $runs)"
	total_p=$(python3 -c "print($total_p + $p)")
	if [ -z "$osv" ]; then
		continue
	fi
	# --offline (= --offline-vulnerabilities plus no network for every plugin): with
	# --offline-vulnerabilities alone, osv-scanner 2.5.0 reports nothing from the local database.
	o=$(best_of sh -c '"$1" scan source -r --offline --offline-vulnerabilities --local-db-path "$2/osvdb" --no-resolve \
		--no-call-analysis=all --format json --output "$2/$3.osv.json" "$4" >"$2/$3.osv.log" 2>&1' _ "$osv" "$work" "$name" "$dir")
	total_o=$(python3 -c "print($total_o + $o)")
	echo "  osv-scanner: $o s (best of $runs); palisade is $(python3 -c "print(f'{$o / $p:.1f}')")x faster"
	python3 - "$work/$name.palisade.jsonl" "$work/$name.osv.json" <<'PY'
import json, sys
pal, osvf = sys.argv[1], sys.argv[2]
def key(eco, name, ver):
    if eco == "Go":
        ver = ver.removeprefix("v")
        if name in ("stdlib", "toolchain"):
            name = "stdlib"
    if eco == "PyPI":
        import re
        name = re.sub(r"[-_.]+", "-", name.lower())
    return (eco, name, ver)
p = {}
for line in open(pal):
    f = json.loads(line)
    p.setdefault(key(f["ecosystem"], f["package"], f["version"]), []).append(set(f["ids"]))
o = {}
try:
    doc = json.load(open(osvf))
except Exception as e:
    print(f"  osv-scanner wrote no JSON ({e}); see its log")
    sys.exit(0)
for r in doc.get("results") or []:
    for pk in r.get("packages") or []:
        pkg = pk["package"]
        k = key(pkg["ecosystem"], pkg["name"], pkg["version"])
        for g in pk.get("groups") or []:
            o.setdefault(k, []).append(set(g.get("ids", [])) | set(g.get("aliases", [])))
def count(d): return sum(len(v) for v in d.values())
only_p, only_o = [], []
for k, groups in p.items():
    for g in groups:
        if not any(g & h for h in o.get(k, [])):
            only_p.append((k, sorted(g)))
for k, groups in o.items():
    for g in groups:
        if not any(g & h for h in p.get(k, [])):
            only_o.append((k, sorted(g)))
print(f"  advisories: palisade {count(p)}, osv-scanner {count(o)}, only palisade {len(only_p)}, only osv-scanner {len(only_o)}")
for label, diff in (("only palisade:   ", only_p), ("only osv-scanner:", only_o)):
    per = {}
    for k, g in diff:
        per.setdefault(k, []).append(g)
    for k, gs in sorted(per.items()):
        if len(gs) > 3:
            print(f"    {label} {k[0]}/{k[1]}@{k[2]}: {len(gs)} advisories ({' '.join(sorted(min(g) for g in gs)[:3])} …)")
        else:
            for g in gs:
                print(f"    {label} {k[0]}/{k[1]}@{k[2]} {' '.join(g)}")
PY
done

echo
if [ -n "$osv" ]; then
	echo "total: palisade $(python3 -c "print(f'{$total_p:.3f}')") s, osv-scanner $(python3 -c "print(f'{$total_o:.3f}')") s, ratio $(python3 -c "print(f'{$total_o / $total_p:.1f}')")x"
else
	echo "total: palisade $(python3 -c "print(f'{$total_p:.3f}')") s (osv-scanner not found: set OSV_SCANNER or put it on PATH to compare)"
fi
