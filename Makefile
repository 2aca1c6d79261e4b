# CityLive: two commands on a fresh machine with Python 3.11 and make: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/.citylive/prefect

.PHONY: demo test test-fast lint typecheck serve bench bench-plan bench-notify bench-ingest bench-api bench-lifecycle bench-day migration clean browsers

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/citylive demo

lint: $(STAMP)
	$(BIN)/ruff check citylive models flows api demo tests bench migrations
	$(BIN)/ruff format --check citylive models flows api demo tests bench migrations

typecheck: $(STAMP)
	$(BIN)/mypy citylive models

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -x -m "not browser and not scaleout"

serve: $(STAMP)
	$(BIN)/citylive serve

migration: $(STAMP)
	$(BIN)/python migrations/regenerate.py

bench: bench-plan bench-notify bench-ingest bench-api bench-lifecycle

bench-plan: $(STAMP)
	$(BIN)/python bench/plan.py

bench-notify: $(STAMP)
	$(BIN)/python bench/notify.py

bench-ingest: $(STAMP)
	$(BIN)/python bench/ingest.py

bench-api: $(STAMP)
	$(BIN)/python bench/api_load.py

bench-lifecycle: $(STAMP)
	$(BIN)/python bench/lifecycle.py

bench-day: $(STAMP)
	$(BIN)/python bench/day.py

clean:
	rm -rf .citylive .pytest_cache .mypy_cache .ruff_cache
