# Two commands on a fresh machine: `make run` and `make test`. `make quick` is the inner loop (CONTRIBUTING.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Extra pip options for the installs, e.g. CI's lowest-versions job: PIP_FLAGS='-c constraints.txt'
PIP_FLAGS ?=
LINTED := src tests benchmarks .ci

.PHONY: run test quick lint typecheck pytest pytest-quick docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Runtime install (editable: ontology/, shapes/, queries/, data/ are read from this checkout).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(PIP_FLAGS) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(PIP_FLAGS) -e '.[test]'
	touch $(VENV)/.installed $@

# The test extras and the contributor's tools (pre-commit); then `.venv/bin/pre-commit install`.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(PIP_FLAGS) -e '.[test,dev]'
	touch $(VENV)/.installed $(VENV)/.installed-test $@

run: $(VENV)/.installed
	$(BIN)/hrkg serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test
	$(BIN)/pytest -q

# Every test but those marked slow (pySHACL on every fixture, live servers, schemathesis, restarts).
pytest-quick: $(VENV)/.installed-test
	$(BIN)/pytest -q -m 'not slow'

test: lint typecheck pytest

quick: lint typecheck pytest-quick

docs: $(VENV)/.installed
	$(BIN)/hrkg export --docs build/docs

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
