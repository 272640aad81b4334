#!/usr/bin/env bash
# bench/image.sh — inventory container images with Palisade and, where they are on PATH, with
# syft and trivy: package counts side by side, wall time and peak memory (/usr/bin/time -v).
#
# The images are built here, in a temporary directory, from this machine's real content by
# bench/imagebuild (no registry, no daemon):
#   debian.tar  layer 0: /var/lib/dpkg/status and /etc/os-release (several hundred packages)
#               layer 1: /usr/lib/python3/dist-packages (installed Python distributions)
#               layer 2: a Go program (palisade itself, with its build information)
#   alpine.tar  layer 0: the real apk installed database and os-release of the inventory testdata
#
# Peers: `syft <archive> -o json` ($SYFT, else syft on PATH, else /tmp/syft/syft if present —
# never committed or built by this script), `trivy image --input <archive> --format cyclonedx`
# ($TRIVY or PATH), with a fresh cache directory per image: trivy caches each layer's analysis by
# digest, and a warm cache would time a lookup, not an inventory. Talks to no network.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

syft=${SYFT:-$(command -v syft || true)}
if [ -z "$syft" ] && [ -x /tmp/syft/syft ]; then syft=/tmp/syft/syft; fi
trivy=${TRIVY:-$(command -v trivy || true)}
if [ -z "$trivy" ] && [ -x /tmp/trivy/trivy ]; then trivy=/tmp/trivy/trivy; fi

echo "building palisade and the images in $work" >&2
(cd "$repo" && go build -tags kustomize_disable_go_plugin_support -o "$work/palisade" ./cmd/palisade && go build -o "$work/imagebuild" ./bench/imagebuild)
"$work/imagebuild" -o "$work/debian.tar" \
	-layer /var/lib/dpkg/status=var/lib/dpkg/status,/usr/lib/os-release=etc/os-release \
	-layer /usr/lib/python3/dist-packages=usr/lib/python3/dist-packages \
	-layer "$work/palisade=usr/local/bin/palisade"
alpine="$repo/internal/inventory/testdata/os/alpine"
"$work/imagebuild" -o "$work/alpine.tar" \
	-layer "$alpine/lib/apk/db/installed=lib/apk/db/installed,$alpine/etc/os-release=etc/os-release"

# measure NAME OUT CMD…: run CMD with stdout to OUT; print wall seconds and peak RSS in MiB.
measure() {
	local out=$1; shift
	/usr/bin/time -v -o "$work/time" "$@" >"$out" 2>"$work/stderr" || true
	local wall rss
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time")
	rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/time")
	echo "$(python3 -c "
w='$wall'.split(':'); s=0.0
for p in w: s=s*60+float(p)
print(f'{s:.2f}')") $rss"
}

# count FORMAT FILE: the packages in a CycloneDX document (components) or a syft JSON (artifacts),
# and how many per type (the purl's type).
count() {
	python3 - "$1" "$2" <<'PY'
import json, sys, collections
kind, path = sys.argv[1], sys.argv[2]
try:
    doc = json.load(open(path))
except Exception as e:
    print("0 (unreadable: %s)" % e); sys.exit()
items = doc.get("components", []) if kind == "cdx" else doc.get("artifacts", [])
types = collections.Counter()
for c in items:
    purl = c.get("purl") or ""
    types[purl.split("/")[0].removeprefix("pkg:") if purl.startswith("pkg:") else (c.get("type") or "?")] += 1
print(len(items), " ".join(f"{k}={v}" for k, v in sorted(types.items())))
PY
}

# missed OURS THEIRS KIND: the packages the peer's document lists and Palisade's does not, by
# name and version, normalised so that conventions do not count as misses (names lowercased with
# '.' and '_' as '-', as PyPI and Go tools compare them; a Debian/RPM epoch "1:" and a Go "v" or
# "go" (the standard library's version) dropped; the peer's entry for the OS itself and for a
# Go binary's own main module, which has no version, left out). The target is that there are none.
missed() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, re, sys
def norm(name, version):
    name = re.sub(r"[._]", "-", name.lower())
    version = re.sub(r"^\d+:", "", version or "").removeprefix("go").removeprefix("v")
    return name, version
def names(path, kind):
    try:
        doc = json.load(open(path))
    except Exception:
        return set()
    items = doc.get("components", []) if kind == "cdx" else doc.get("artifacts", [])
    out = set()
    for c in items:
        if c.get("type") == "operating-system" or not c.get("version") or c.get("version") in ("(devel)", "UNKNOWN"):
            continue
        out.add(norm(c.get("name", ""), c.get("version", "")))
    return out
ours, theirs = names(sys.argv[1], "cdx"), names(sys.argv[2], sys.argv[3])
miss = sorted(f"{n}@{v}" for n, v in theirs - ours)
print(f"{len(miss)} missed" + (": " + ", ".join(miss[:8]) + (" …" if len(miss) > 8 else "") if miss else ""))
PY
}

printf '%-8s %-8s %8s %8s %9s  %s\n' image tool packages wall-s peak-MiB "by purl type"
for img in debian alpine; do
	read -r pw pr < <(measure "$work/$img.palisade.json" "$work/palisade" sbom --image "$work/$img.tar" --format cyclonedx)
	pc=$(count cdx "$work/$img.palisade.json")
	printf '%-8s %-8s %8s %8s %9s  %s\n' "$img" palisade "${pc%% *}" "$pw" "$pr" "${pc#* }"
	if [ -n "$syft" ]; then
		read -r sw sr < <(SYFT_CHECK_FOR_APP_UPDATE=false measure "$work/$img.syft.json" "$syft" "docker-archive:$work/$img.tar" -o json -q)
		sc=$(count syft "$work/$img.syft.json")
		printf '%-8s %-8s %8s %8s %9s  %s\n' "$img" syft "${sc%% *}" "$sw" "$sr" "${sc#* }"
		python3 -c "print(f'{\"\":8} ratio    syft/palisade wall {$sw/max($pw,0.01):.1f}x, peak memory {$sr/max($pr,1):.1f}x')"
		printf '%-8s %-8s %s\n' "" "" "syft's packages Palisade does not list: $(missed "$work/$img.palisade.json" "$work/$img.syft.json" syft)"
	fi
	if [ -n "$trivy" ]; then
		read -r tw tr < <(measure "$work/$img.trivy.json" "$trivy" image --input "$work/$img.tar" --format cyclonedx --offline-scan --skip-db-update --cache-dir "$work/trivy-cache-$img" -q)
		tc=$(count cdx "$work/$img.trivy.json")
		printf '%-8s %-8s %8s %8s %9s  %s\n' "$img" trivy "${tc%% *}" "$tw" "$tr" "${tc#* }"
		python3 -c "print(f'{\"\":8} ratio    trivy/palisade wall {$tw/max($pw,0.01):.1f}x, peak memory {$tr/max($pr,1):.1f}x')"
		printf '%-8s %-8s %s\n' "" "" "trivy's packages Palisade does not list: $(missed "$work/$img.palisade.json" "$work/$img.trivy.json" cdx)"
	fi
done
[ -n "$syft" ] || echo "syft: not on PATH (set SYFT=…): not compared"
[ -n "$trivy" ] || echo "trivy: not on PATH (set TRIVY=…; build it outside the repo with GOEXPERIMENT=jsonv2): not compared"
if [ "${KEEP:-}" != "" ]; then cp "$work"/*.json "$KEEP"/; fi
