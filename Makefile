# botfactory: `make run` starts the demo, `make test` runs every test. Both install into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_BENCH := $(VENV)/.installed-bench
PYTEST_WORKERS ?= 2

.PHONY: install install-run run test lint bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[emulator]'
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

# The bench extra holds the test extra, so it stamps that one too.
$(STAMP_BENCH): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@ $(STAMP_TEST) $(STAMP_RUN)

install-run: $(STAMP_RUN)
install: $(STAMP_TEST)

run: $(STAMP_RUN)
	$(BIN)/botfactory run --demo

test: $(STAMP_TEST)
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	$(BIN)/ruff check src tests
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# Benchmarks against the peers (bench/README.md): results in bench/results/latest.{md,json}.
bench: $(STAMP_BENCH)
	$(BIN)/python -m bench

bench-quick: $(STAMP_BENCH)
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) build *.egg-info
