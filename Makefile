# The logic lives in scripts/*.sh; these targets only call them.
# Pass extra pytest arguments with: make test PYTEST_ARGS='-k import -x'

.PHONY: demo test setup bench load serve
.DEFAULT_GOAL := demo

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh $(PYTEST_ARGS)

setup:
	bash scripts/setup.sh --test

# The benchmarks in one process (timing needs the machine to itself), then the CLI's start-up.
bench:
	bash scripts/test.sh tests/bench --benchmark-only -q
	.venv/bin/python tests/bench/bench_startup.py --jiading

# 50 simulated people for 60 s against `zonecheck serve --workers 4` on a throwaway PostgreSQL.
load:
	bash tests/bench/load/run_load.sh $(LOAD_ARGS)

# The web service and the worker on the demo data (./zonecheck-data), http://127.0.0.1:8000;
# Ctrl+C stops both. Extra arguments for `zonecheck serve`: make serve SERVE_ARGS='--port 8080'
serve:
	bash scripts/serve.sh $(SERVE_ARGS)
