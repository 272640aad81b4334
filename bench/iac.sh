#!/usr/bin/env bash
# bench/iac.sh DIR — time Palisade's IaC scanner on a directory of real manifests, Dockerfiles,
# Compose files, Terraform and CloudFormation, and compare with `trivy config` when it is on PATH.
#
# Prints wall and CPU time, files parsed, findings per check, and the speed ratio. Palisade runs
# through the CLI when `palisade scan --scanners iac` is wired, else through the Go benchmark
# BenchmarkScanDir (same scanner, no CLI or report writing).
#
# Example: bench/iac.sh /work/peers/iac
set -euo pipefail

dir=${1:?usage: bench/iac.sh DIR}
dir=$(cd "$dir" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nfiles=$(find "$dir" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.tf' -o -name 'Dockerfile*' \) | wc -l)
echo "input: $dir ($nfiles candidate files, $(du -sh "$dir" | cut -f1))"

# timed CMD… runs CMD and prints "wall user sys" seconds.
timed() {
	local start end
	start=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$tmp/cpu" "$@" >"$tmp/out" 2>"$tmp/err" || true
	end=$(date +%s.%N)
	echo "$(echo "$end - $start" | bc) $(cat "$tmp/cpu" | tail -1)"
}

(cd "$repo" && go build -o "$tmp/palisade" ./cmd/palisade)
palisade_wall=""
set +e
"$tmp/palisade" scan "$dir" --scanners iac --format json --output "$tmp/p.json" --no-progress >/dev/null 2>"$tmp/probe.err"
rc=$?
set -e
if [ "$rc" -le 1 ] && [ -s "$tmp/p.json" ]; then
	read -r palisade_wall pu ps < <(timed "$tmp/palisade" scan "$dir" --scanners iac --format json --output "$tmp/p.json" --no-progress)
	echo "palisade (CLI): wall ${palisade_wall}s, cpu user ${pu}s sys ${ps}s"
	echo "findings per check:"
	python3 - "$tmp/p.json" <<'PY'
import json, sys, collections
run = json.load(open(sys.argv[1]))
c = collections.Counter(f["ruleId"] for f in run.get("findings") or [])
for rule, n in c.most_common():
    print(f"{n:7d} {rule}")
print(f"{sum(c.values()):7d} total, {len(run.get('problems') or [])} problems")
PY
else
	echo "palisade scan --scanners iac is not wired yet; measuring with the Go benchmark"
	(cd "$repo" && go test -c -o "$tmp/iac.test" ./internal/iac)
	read -r palisade_wall pu ps < <(timed env PALISADE_IAC_BENCH_DIR="$dir" "$tmp/iac.test" -test.run='^$' -test.bench=BenchmarkScanDir -test.benchtime=1x)
	PALISADE_IAC_BENCH_DIR="$dir" PALISADE_IAC_BENCH_SUMMARY=1 "$tmp/iac.test" -test.run='^$' -test.bench=BenchmarkScanDir -test.benchtime=3x |
		grep -v '^problem' | sed 's/^/  /'
	echo "palisade (Go benchmark, one scan incl. process start): wall ${palisade_wall}s, cpu user ${pu}s sys ${ps}s"
fi

if command -v trivy >/dev/null 2>&1; then
	read -r trivy_wall tu ts < <(timed trivy config --quiet --format json --output "$tmp/t.json" "$dir")
	echo "trivy config: wall ${trivy_wall}s, cpu user ${tu}s sys ${ts}s"
	python3 - "$tmp/t.json" <<'PY'
import json, sys, collections
doc = json.load(open(sys.argv[1]))
c = collections.Counter()
for r in doc.get("Results") or []:
    for m in r.get("Misconfigurations") or []:
        c[m.get("ID") or m.get("AVDID")] += 1
print(f"{sum(c.values()):7d} trivy misconfigurations across {len(c)} checks")
PY
	echo "ratio (trivy wall / palisade wall): $(echo "scale=1; $trivy_wall / $palisade_wall" | bc)x"
else
	echo "trivy not on PATH: no comparison"
fi
