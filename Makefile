# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint ui clean-data

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,embeddings]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/creative-sessions demo

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check orchestration embeddings tests benchmarks
	$(BIN)/ruff format --check orchestration embeddings tests benchmarks

ui: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dagster dev -h 127.0.0.1 -p 3000

clean-data:
	rm -rf data/lake data/warehouse.duckdb data/dagster
