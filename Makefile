# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run serve build install test bench clean system-deps node-deps

run: build
	$(BIN)/hankegraafi serve

serve: $(STAMP)
	$(BIN)/hankegraafi serve

build: $(STAMP) node-deps
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

# Debian's chromium for the browser tests
system-deps:
	bash scripts/install-system-deps.sh

test: $(STAMP) node-deps system-deps
	$(BIN)/python -m pytest -q

bench: $(STAMP) node-deps
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf var $(VENV) node_modules
