#!/usr/bin/env bash
# Run the lint check and the whole test suite (SQLite and a throwaway PostgreSQL server).
#
#   scripts/test.sh [PYTEST ARGS...]     e.g. scripts/test.sh -k import -x
#
# Environment:
#   ZONECHECK_REQUIRE_PG=1     fail (instead of skip) when PostgreSQL is unavailable (CI sets it)
#   ZONECHECK_TEST_PG_URL=...  use this PostgreSQL server instead of starting a throwaway one
#   ZONECHECK_PG_BINDIR=...    PostgreSQL bin folder holding initdb/pg_ctl (default: newest found)
#   ZONECHECK_SEEDS=...        folder of seed plans (default: ../shared/seeds)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash "$ZC_ROOT/scripts/setup.sh" --test
cd "$ZC_ROOT"

# Lint first (fast), but still run the tests so one run reports both.
lint_rc=0
zc_run .venv/bin/ruff check . || lint_rc=$?
# Strict typing at the core (checklists/, workflow/; configured in pyproject.toml).
zc_run .venv/bin/mypy || lint_rc=$?

test_rc=0
zc_run .venv/bin/python -m pytest "$@" || test_rc=$?

if ((lint_rc != 0)); then
    zc_log "FAILED: ruff or mypy reported errors (exit $lint_rc)"
fi
if ((test_rc != 0)); then
    zc_log "FAILED: pytest exited with $test_rc"
fi
if ((lint_rc != 0 || test_rc != 0)); then
    exit 1
fi
zc_log "lint and tests passed"
