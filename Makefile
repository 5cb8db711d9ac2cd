# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs the pinned dependencies (constraints.txt) first: `make demo`
# only what the demo runs (the package, the embedded broker, matplotlib), `make test` the
# development tools as well.

# Both can be set, to test on another Python in a venv of its own (.ci/run does):
# make PYTHON=python3.13 VENV=.venv/py3.13 test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_STAMP := $(VENV)/.demo-stamp
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: demo test test-unit test-integration lint typecheck bench clean native

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(DEMO_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e '.[demo]'
	touch $(DEMO_STAMP)

# The development install includes the demo's.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev]'
	touch $(STAMP) $(DEMO_STAMP)

# VADER's rules and the window figures compiled with mypyc where a C compiler is present
# (listener/native/): quick when the compiled copies are up to date; without a compiler
# the pure-Python modules run.
native: $(DEMO_STAMP)
	$(BIN)/python -m listener.native.build

demo: $(DEMO_STAMP) native
	$(BIN)/listener demo

# Two test processes: most integration tests wait on brokers and workers, so two share the
# machine's cores well; a file's tests stay together in one process.
TEST_PROCESSES ?= 2

test: $(STAMP) native
	$(BIN)/pytest -q -n $(TEST_PROCESSES) --dist loadfile

test-unit: $(STAMP) native
	$(BIN)/pytest -q tests/unit

test-integration: $(STAMP) native
	$(BIN)/pytest -q -n $(TEST_PROCESSES) --dist loadfile tests/integration

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src

bench: $(STAMP) native
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) out var .pytest_cache .mypy_cache .ruff_cache
