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
#   ZONECHECK_TEST_WORKERS=N   pytest-xdist workers (default: auto, one per CPU; 0: one process)
#   ZONECHECK_TEST_CPU_LOG=F   append each test's CPU time (its own, its subprocesses', PostgreSQL's)
#                              to F as JSON lines; `python -m tests.support.cpu_log F` sums them
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash "$ZC_ROOT/scripts/setup.sh" --test
cd "$ZC_ROOT"

# Lint first (fast), but still run the tests so one run reports both.
lint_rc=0
zc_run .venv/bin/ruff check . || lint_rc=$?
# Strict typing at the core (checklists/, workflow/; configured in pyproject.toml).
zc_run .venv/bin/mypy || lint_rc=$?

# In parallel (pytest-xdist): most of the suite's time is spent waiting on CLI subprocesses,
# the database and WeasyPrint, so one worker per core keeps both cores busy. loadgroup keeps the
# tests sharing a module-scoped fixture on one worker (tests/conftest.py marks them). Benchmarks
# only smoke-run here (--benchmark-disable: once each, no timing rounds); `make bench`
# (--benchmark-only) and a run given its own -n stay in one process.
workers="${ZONECHECK_TEST_WORKERS:-auto}"
parallel=(-n "$workers" --dist loadgroup --benchmark-disable)
for arg in "$@"; do
    case "$arg" in
        --benchmark-only | -n | -n[0-9]* | --numprocesses | --numprocesses=*) parallel=() ;;
    esac
done
[[ "$workers" == 0 ]] && parallel=()

test_rc=0
zc_run .venv/bin/python -m pytest "${parallel[@]}" "$@" || test_rc=$?

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
