#!/usr/bin/env bash
# bench/iac.sh DIR — time Palisade's IaC scanner on a directory of real manifests, Dockerfiles,
# Compose files, Terraform and CloudFormation, and compare with `trivy config` when it is on PATH.
#
# Prints wall time, CPU time (user + sys: the machine is shared, so wall time alone misleads) and
# peak memory (max RSS), findings per check, findings per check family side by side, and the speed
# ratios. Palisade runs through the CLI when `palisade scan --scanners iac` is wired, else through
# the Go benchmark BenchmarkScanDir (same scanner, no CLI or report writing).
#
# Trivy runs fully offline: a fresh empty --cache-dir with --skip-check-update makes it fall back
# to the checks embedded in its binary (the trivy-checks module; it logs "Falling back to embedded
# checks"), --skip-version-check and --disable-telemetry stop its calls home, and the config
# command keeps its scan cache in memory, so no run reuses an earlier one. Before the timed run,
# trivy scans a one-file privileged Pod (untimed; it also warms the binary as Palisade's untimed
# first run does) and the script fails if trivy reports nothing there: a peer that evaluated no
# checks would make any ratio meaningless. Set TRIVY=/path/to/trivy to use a binary off PATH.
#
# Example: bench/iac.sh /work/peers/iac
set -euo pipefail

dir=${1:?usage: bench/iac.sh DIR}
dir=$(cd "$dir" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trivy=${TRIVY:-trivy}

nfiles=$(find "$dir" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.tf' -o -name 'Dockerfile*' \) | wc -l)
echo "input: $dir ($nfiles candidate files, $(du -sh "$dir" | cut -f1))"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# timed CMD… runs CMD (stdout to $tmp/out, stderr to $tmp/err) and prints
# "wall user sys maxrss_kib"; times in seconds.
timed() {
	local start end
	start=$(date +%s.%N)
	/usr/bin/time -f '%U %S %M' -o "$tmp/cpu" "$@" >"$tmp/out" 2>"$tmp/err" || true
	end=$(date +%s.%N)
	echo "$(echo "$end - $start" | bc) $(tail -1 "$tmp/cpu")"
}

# summarize.py palisade|trivy JSON prints findings per check; family P.json T.json prints the
# findings per check family of both side by side.
cat >"$tmp/summarize.py" <<'PY'
import collections, json, sys

def palisade_family(f):
    rule = f["ruleId"]
    path = (f.get("location") or {}).get("path", "")
    if rule.startswith("k8s-"):
        return "kubernetes"
    if rule.startswith("docker-"):
        return "dockerfile"
    if rule.startswith("compose-"):
        return "compose"
    if rule.startswith("aws-"):
        return "terraform" if path.endswith((".tf", ".tfvars", ".tf.json")) else "cloudformation"
    return "other (" + rule.split("-")[0] + ")"

def palisade(path):
    run = json.load(open(path))
    per_check, per_family, files = collections.Counter(), collections.Counter(), collections.defaultdict(set)
    for f in run.get("findings") or []:
        fam = palisade_family(f)
        per_check[(f["ruleId"], fam, f.get("title", ""))] += 1
        per_family[fam] += 1
        files[fam].add((f.get("location") or {}).get("path", ""))
    return run, per_check, per_family, files, {}

def trivy(path):
    doc = json.load(open(path))
    per_check, per_family, files, evaluated = collections.Counter(), collections.Counter(), collections.defaultdict(set), collections.Counter()
    for r in doc.get("Results") or []:
        if r.get("Class") not in (None, "config"):
            continue
        fam = (r.get("Type") or "unknown").lower()
        evaluated[fam] += 1
        for m in r.get("Misconfigurations") or []:
            if m.get("Status", "FAIL") != "FAIL":
                continue
            per_check[(m.get("ID") or m.get("AVDID"), fam, m.get("Title", ""))] += 1
            per_family[fam] += 1
            files[fam].add(r.get("Target", ""))
    return doc, per_check, per_family, files, evaluated

def checks(kind, path):
    _, per_check, per_family, _, _ = (palisade if kind == "palisade" else trivy)(path)
    for (rule, fam, title), n in sorted(per_check.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{n:7d} {rule:40s} {fam:15s} {title}")
    print(f"{sum(per_check.values()):7d} total in {len(per_check)} checks")

def family(ppath, tpath):
    _, pc, pf, pfiles, _ = palisade(ppath)
    _, tc, tf, tfiles, tev = trivy(tpath)
    pchecks = collections.Counter(fam for (_, fam, _) in pc)
    tchecks = collections.Counter(fam for (_, fam, _) in tc)
    print(f"  {'family':22s} {'palisade':>9s} {'checks':>6s} {'files':>6s}   {'trivy':>7s} {'checks':>6s} {'files':>6s} {'scanned':>7s}")
    for fam in sorted(set(pf) | set(tf) | set(tev)):
        print(f"  {fam:22s} {pf[fam]:9d} {pchecks[fam]:6d} {len(pfiles[fam]):6d}   {tf[fam]:7d} {tchecks[fam]:6d} {len(tfiles[fam]):6d} {tev[fam]:7d}")
    print(f"  {'total':22s} {sum(pf.values()):9d} {len(pc):6d} {sum(len(s) for s in pfiles.values()):6d}   "
          f"{sum(tf.values()):7d} {len(tc):6d} {sum(len(s) for s in tfiles.values()):6d} {sum(tev.values()):7d}")
    print("  (checks: distinct checks that fired; files: files with a finding; scanned: files trivy reported a result for)")

def problems(path):
    run = json.load(open(path))
    skipped = collections.Counter(s.get("reason", "") for s in run.get("skipped") or [])
    print(f"{len(run.get('problems') or []):7d} problems; skipped: " + (", ".join(f"{n} {r}" for r, n in skipped.most_common()) or "none"))

def count(kind, path):
    _, per_check, _, _, _ = (palisade if kind == "palisade" else trivy)(path)
    print(sum(per_check.values()))

cmd = sys.argv[1]
if cmd == "checks":
    checks(sys.argv[2], sys.argv[3])
elif cmd == "family":
    family(sys.argv[2], sys.argv[3])
elif cmd == "problems":
    problems(sys.argv[2])
elif cmd == "count":
    count(sys.argv[2], sys.argv[3])
PY

ratio() { # ratio A B prints A/B with one decimal, or "n/a" when B is zero.
	if [ "$(echo "$2 > 0" | bc)" = 1 ]; then echo "$(echo "scale=1; $1 / $2" | bc)x"; else echo "n/a"; fi
}

(cd "$repo" && go build -tags kustomize_disable_go_plugin_support -o "$tmp/palisade" ./cmd/palisade)
palisade_wall=""
palisade_json=""
set +e
"$tmp/palisade" scan "$dir" --scanners iac --format json --output "$tmp/p.json" --no-progress --fail-on-problems=false >/dev/null 2>"$tmp/probe.err"
rc=$?
set -e
if [ "$rc" -le 1 ] && [ -s "$tmp/p.json" ]; then
	read -r palisade_wall pu ps pm < <(timed "$tmp/palisade" scan "$dir" --scanners iac --format json --output "$tmp/p.json" --no-progress --fail-on-problems=false)
	palisade_json=$tmp/p.json
	echo "palisade (CLI): wall ${palisade_wall}s, cpu user ${pu}s sys ${ps}s, max rss $((pm / 1024)) MiB"
	echo "palisade findings per check:"
	python3 "$tmp/summarize.py" checks palisade "$tmp/p.json"
	python3 "$tmp/summarize.py" problems "$tmp/p.json"
else
	echo "palisade scan --scanners iac is not wired yet; measuring with the Go benchmark"
	(cd "$repo" && go test -c -o "$tmp/iac.test" ./internal/iac)
	read -r palisade_wall pu ps pm < <(timed env PALISADE_IAC_BENCH_DIR="$dir" "$tmp/iac.test" -test.run='^$' -test.bench=BenchmarkScanDir -test.benchtime=1x)
	PALISADE_IAC_BENCH_DIR="$dir" PALISADE_IAC_BENCH_SUMMARY=1 "$tmp/iac.test" -test.run='^$' -test.bench=BenchmarkScanDir -test.benchtime=3x |
		grep -v '^problem' | sed 's/^/  /'
	echo "palisade (Go benchmark, one scan incl. process start): wall ${palisade_wall}s, cpu user ${pu}s sys ${ps}s, max rss $((pm / 1024)) MiB"
fi

if ! command -v "$trivy" >/dev/null 2>&1; then
	echo "trivy not on PATH: no comparison"
	exit 0
fi

# trivy_offline prints the flags that make `trivy config` run offline with its embedded checks;
# the cache directory is new and empty each time.
trivy_offline() {
	echo "--cache-dir $(mktemp -d "$tmp/trivy-cache.XXXXXX") --skip-check-update --skip-version-check --disable-telemetry"
}

echo "peer: $("$trivy" --version 2>/dev/null | head -1)"
mkdir -p "$tmp/probe"
cat >"$tmp/probe/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: probe
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext:
        privileged: true
YAML
"$trivy" config $(trivy_offline) --format json --output "$tmp/probe.json" "$tmp/probe" >/dev/null 2>"$tmp/probe.err" || true
probe=$( [ -s "$tmp/probe.json" ] && python3 "$tmp/summarize.py" count trivy "$tmp/probe.json" || echo 0)
if [ "$probe" -eq 0 ]; then
	echo "trivy evaluated no checks on a privileged Pod (are its checks embedded and loadable offline?):" >&2
	tail -5 "$tmp/probe.err" >&2
	exit 1
fi
echo "trivy check probe: $probe findings on a one-container privileged Pod"

read -r trivy_wall tu ts tm < <(timed "$trivy" config $(trivy_offline) --format json --output "$tmp/t.json" "$dir")
if [ ! -s "$tmp/t.json" ]; then
	echo "trivy config failed:" >&2
	tail -5 "$tmp/err" >&2
	exit 1
fi
grep -q 'Falling back to embedded checks' "$tmp/err" && echo "trivy used the checks embedded in its binary (offline)"
echo "trivy config: wall ${trivy_wall}s, cpu user ${tu}s sys ${ts}s, max rss $((tm / 1024)) MiB"
echo "trivy findings (failed misconfigurations) per check:"
python3 "$tmp/summarize.py" checks trivy "$tmp/t.json"

if [ -n "$palisade_json" ]; then
	echo "findings per check family:"
	python3 "$tmp/summarize.py" family "$palisade_json" "$tmp/t.json"
fi
echo "ratio wall (trivy / palisade): $(ratio "$trivy_wall" "$palisade_wall")"
echo "ratio cpu  (trivy / palisade): $(ratio "$(echo "$tu + $ts" | bc)" "$(echo "$pu + $ps" | bc)")"
echo "ratio max rss (trivy / palisade): $(ratio "$tm" "$pm")"
