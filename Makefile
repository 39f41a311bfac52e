# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MONTH ?= 2024-01

.PHONY: install run test lint format dagster app clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

run: install
	$(BIN)/driftsstatus sample
	$(BIN)/driftsstatus run
	# The December 2023 report as it was published, before the late SF1525 version (R14).
	$(BIN)/driftsstatus publish --month 2023-12 --as-of 2024-01-04T08:00:00+01:00
	$(BIN)/driftsstatus report --month $(MONTH)
	@echo
	@echo "The app:        $(BIN)/driftsstatus app   (http://localhost:8501)"
	@echo "The Dagster UI: make dagster                (http://127.0.0.1:3000)"

test: install lint
	$(BIN)/pytest -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt

dagster: install
	$(BIN)/dg dev --host 127.0.0.1 --port 3000

app: install
	$(BIN)/driftsstatus app

clean:
	rm -rf data/warehouse*.duckdb* dbt/target dbt/logs
