#!/usr/bin/env bash
# Load test of the web service: 50 simulated people for 60 s against `zonecheck serve --workers 4`
# on a throwaway PostgreSQL server, loopback only; then checks that no upload was lost.
#
#   tests/bench/load/run_load.sh [--users 50] [--spawn-rate 10] [--time 60s] [--think 0.5-2] [--keep]
#   make load
#
# Needs PostgreSQL's server binaries (Debian: postgresql; setup.sh --test installs it as root).
# Details: tests/bench/load/run_load.py.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lib.sh"

bash "$ZC_ROOT/scripts/setup.sh" --test
cd "$ZC_ROOT"
exec .venv/bin/python -m tests.bench.load.run_load "$@"
