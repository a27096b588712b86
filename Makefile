# The logic lives in scripts/*.sh; these targets only call them.
# Pass extra pytest arguments with: make test PYTEST_ARGS='-k import -x'

.PHONY: demo test setup bench
.DEFAULT_GOAL := demo

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh $(PYTEST_ARGS)

setup:
	bash scripts/setup.sh --test

bench:
	bash scripts/test.sh tests/bench --benchmark-only -q
