# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= data
UI_PORT ?= 3000

.PHONY: install demo test lint ui docs clean-data

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# uv unpacks the wheels about twice as fast as pip, from the sources pip's config names
	@# (.ci/uv_args.py); pip installs instead wherever uv cannot be had or fails. uv compiles
	@# the bytecode only when asked: without it, where PYTHONDONTWRITEBYTECODE is set (CI), every
	@# process compiled Dagster and dbt again (importing dagster 1.8 s instead of 0.8).
	$(BIN)/python -m pip install --quiet uv && \
		$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python \
			--index-strategy unsafe-best-match \
			$$($(BIN)/python .ci/uv_args.py) -e '.[dev,embeddings]' \
		|| $(BIN)/python -m pip install --quiet -e '.[dev,embeddings]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/creative-sessions demo

# Every test, on TEST_WORKERS processes (pytest-xdist): a module stays on one worker, so its
# fixtures are built once, and the modules marked `slow` start first. TEST_WORKERS=0: one process.
# Two on two cores: a third made CI slower (pytest 1078 s against 1002 s), since the UI test's
# runs, which wait for each other, then compete with a third module for the CPUs.
# Scratch files go to memory (/dev/shm) where the machine has it: the tests' pipelines commit to
# Dagster's SQLite event logs and fsync their own writes thousands of times, about 7.5 ms each on
# this machine's disk and 0.13 ms in memory. TEST_TMP=<folder> puts them elsewhere; they are
# removed when the tests end. The project's own modules are compiled first: the tests start
# hundreds of CLI and dbt processes, and where PYTHONDONTWRITEBYTECODE is set none would cache.
TEST_WORKERS ?= 2
TEST_TMP ?= /dev/shm
test: install
	@base="$(TEST_TMP)"; { test -d "$$base" && test -w "$$base"; } || base="$${TMPDIR:-/tmp}"; \
	scratch=$$(mktemp -d "$$base/creative-sessions-tests.XXXXXX") || exit 1; \
	trap 'rm -rf "$$scratch"' EXIT; \
	echo "test scratch: $$scratch"; \
	$(BIN)/python -m compileall -q -j 0 orchestration embeddings >/dev/null; \
	TMPDIR="$$scratch" $(BIN)/python -m pytest -q --durations=25 -n $(TEST_WORKERS) \
		--dist loadfile --no-loadscope-reorder --basetemp "$$scratch/pytest"

lint: install
	$(BIN)/ruff check orchestration embeddings tests benchmarks
	$(BIN)/ruff format --check orchestration embeddings tests benchmarks

# The UI and the daemon on the CLI's instance (<data>/dagster), so every CLI run shows there.
ui: install
	VIRTUAL_ENV="$(CURDIR)/$(VENV)" PATH="$(CURDIR)/$(BIN):$$PATH" \
	CREATIVE_SESSIONS_DATA="$(abspath $(DATA))" \
	DAGSTER_HOME="$$($(BIN)/python -m orchestration.store.data_dir $(DATA))" \
	$(BIN)/dg dev -h 127.0.0.1 -p $(UI_PORT)

# dbt's docs site for the warehouse of $(DATA) (needs a built warehouse: `make demo` first).
docs: install
	cd dbt_project && ../$(BIN)/dbt docs generate --quiet --profiles-dir . \
	  --target-path "$(abspath $(DATA))/dbt/docs" \
	  --vars '{"lake_dir": "$(abspath $(DATA))/lake", "warehouse_path": "$(abspath $(DATA))/warehouse.duckdb"}'
	@echo "dbt docs: $(abspath $(DATA))/dbt/docs/index.html (serve with: cd dbt_project && ../$(BIN)/dbt docs serve --target-path $(abspath $(DATA))/dbt/docs)"

clean-data:
	rm -rf $(DATA)/lake $(DATA)/warehouse.duckdb $(DATA)/dagster
