# The whole set-up on a fresh machine: `make run` starts the dashboard, `make test` runs every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/monitor.duckdb
PORT ?= 8501

.PHONY: run test lint bench data clean

$(BIN)/.installed: requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	touch $@

data/demo/measures.csv: $(BIN)/.installed
	$(BIN)/python -m etl demo --out data/demo --scale province --seed 2025

# Rebuilt whenever the catalogue, the sample or the demo changes: built fresh beside the old file and
# renamed over it, so a running dashboard never sees it missing. The audit keeps every load, rebuilds included.
$(DB): $(BIN)/.installed indicators.yaml data/demo/measures.csv $(wildcard data/sample/*) $(wildcard etl/*.py) $(wildcard core/*.py) core/schema.sql
	rm -f $(DB).new $(DB).new.audit.jsonl
	$(BIN)/python -m etl load data/sample/units.csv data/sample/*measures*.csv \
		data/demo/units.csv data/demo/measures.csv --db $(DB).new
	mv $(DB).new $(DB)
	cat $(DB).new.audit.jsonl >> $(DB).audit.jsonl && rm -f $(DB).new.audit.jsonl $(DB).new.lock

data: $(DB)

run: $(DB)
	MONITOR_DB=$(DB) $(BIN)/python serve.py --server.port $(PORT) --server.headless true

test: $(DB)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(BIN)/.installed
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) data/demo $(DB) $(DB).versions
