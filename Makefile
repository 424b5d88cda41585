# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run serve build install test bench load fuzz clean system-deps node-deps

# gunicorn with two web processes: the endpoint's throughput is measured against Oxigraph server with it
run: build
	$(BIN)/hankegraafi serve --workers 2

serve: $(STAMP)
	$(BIN)/hankegraafi serve

build: $(STAMP) node-deps system-deps
	$(BIN)/hankegraafi build

install: $(STAMP) node-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# front-end libraries (YASGUI, charts) come from the npm registry and are served by the site itself
node-deps:
	@if [ -f package.json ]; then bash scripts/install-node-deps.sh; fi

# Debian packages: chromium for the browser tests, libvoikko1 + voikko-fi for Finnish search
system-deps:
	bash scripts/install-system-deps.sh

test: $(STAMP) node-deps system-deps
	$(BIN)/python -m pytest -q

bench: $(STAMP) node-deps system-deps
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks.run

# load test (loopback only, bounded): LOAD_ARGS="--duration 60" or "--projects 10000" (benchmarks/load.py)
LOAD_ARGS ?=
load: $(STAMP) node-deps system-deps
	nice $(BIN)/python -m benchmarks.load $(LOAD_ARGS)

# fuzzing every endpoint of /openapi.json with many more examples than the test suite's 100
FUZZ_EXAMPLES ?= 1000
fuzz: $(STAMP) node-deps system-deps
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) nice $(BIN)/python -m pytest -q tests/test_fuzz.py

clean:
	rm -rf var $(VENV) node_modules
