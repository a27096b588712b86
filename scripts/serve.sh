#!/usr/bin/env bash
# `make serve`: the web service and the worker (reports rendered off the request, scheduled
# messages) on the demo data, together. Ctrl+C or SIGTERM stops both: the worker finishes the
# report it is rendering first. Extra arguments go to `zonecheck serve` (e.g. --port 8080).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ZC_ROOT"

ZONECHECK=.venv/bin/zonecheck
[[ -x $ZONECHECK ]] || zc_die "no .venv: run 'make setup' (or 'make demo') first"

"$ZONECHECK" worker &
worker=$!
"$ZONECHECK" serve "$@" &
web=$!

stop() {
    trap - INT TERM EXIT
    kill -TERM "$web" "$worker" 2>/dev/null || true
    wait "$web" "$worker" 2>/dev/null || true
}
trap stop INT TERM EXIT

# Either one ending (a port in use, a database not migrated) ends the other too.
wait -n "$web" "$worker" || true
stop
