# minidb - everyday commands. `make test` works on a fresh clone: it makes
# the virtualenv, installs the pinned requirements, and the test suite
# starts (and stops) its own PostgreSQL cluster and MongoDB-compatible server.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-requirements

.PHONY: install test lint bench soak clean

install: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m tests.benchmarks

soak: install
	$(BIN)/python -m tests.soak

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .benchmarks
