#!/usr/bin/env bash
# bench/desync.sh — the gateway's HTTP/1 attack corpus (internal/gateway/http1/http1test: CL.TE,
# TE.CL, TE.TE obfuscations, CL.0, chunk syntax, obs-fold, NUL and bare CR, Host conflicts,
# Expect, pipelining, upgrades, path normalisation) sent byte for byte to nginx as a plain
# reverse proxy and to the Palisade edge gateway, each in front of its own recording upstream.
# Prints, per case, what the client got back and what reached the upstream, side by side.
#
# nginx is not a route-based gateway (it forwards /admin as readily as /public/a, by design): the
# table shows how each reads the same bytes, not which is "right". Palisade's own expectations
# are checked by `go test ./internal/gateway -run TestAttackCorpus`.
#
# Needs nginx on PATH (Debian/Ubuntu: apt-get install -y nginx-light); without it the script
# says so and exits 0. Everything listens on 127.0.0.1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v nginx >/dev/null 2>&1; then
	echo "nginx is not on PATH: skipping the comparison (apt-get install -y nginx-light)" >&2
	exit 0
fi
echo "== $(nginx -v 2>&1) vs palisade ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo worktree))" >&2
cd "$ROOT"
PALISADE_DESYNC_NGINX=1 go test -count=1 -run '^TestDesyncAgainstNginx$' ./internal/gateway/ -v 2>&1 |
	sed -n '/^case /,/^[-=]\{3\} /p' | sed '/^[-=]\{3\} /d'
