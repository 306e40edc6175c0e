# minidb - everyday commands. `make test` works on a fresh clone: it makes
# the virtualenv, installs the pinned requirements and minidb itself
# (editable: .venv/bin/minidb runs this checkout), and the test suite
# starts (and stops) its own PostgreSQL cluster and MongoDB-compatible server.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-requirements

.PHONY: install test lint bench soak notes clean

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m bench

soak: install
	$(BIN)/python -m bench.soak

# The notes API and web UI on http://127.0.0.1:5000 with a local FerretDB (the
# test suite's build, made on first use) unless MONGODB_URI is set; Ctrl-C stops.
notes: install
	MINIDB_FERRETDB="$${MINIDB_FERRETDB:-$(CURDIR)/.cache/bin/ferretdb}" $(BIN)/minidb notes dev

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .benchmarks
