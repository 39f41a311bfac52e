# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MONTH ?= 2024-01

.PHONY: install install-spark debian-run debian-test run test lint format dagster app serve bench bench-quick bench-large bench-render clean
# Debian packages: the PDF export's font; the browser test also drives Debian's chromium,
# the instance test starts a PostgreSQL server of its own, and the Spark parity test runs
# Spark (Java 17).
DEBIAN_RUN := fonts-dejavu-core
DEBIAN_TEST := $(DEBIAN_RUN) chromium postgresql openjdk-17-jre-headless

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# dbt on Spark (pyproject's `spark` extra, about 500 MB): for the tests and a Spark target.
install-spark: $(VENV)/.installed-spark

$(VENV)/.installed-spark: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,spark]'
	touch $@

debian-run:
	scripts/ensure-debian-packages $(DEBIAN_RUN)

debian-test:
	scripts/ensure-debian-packages $(DEBIAN_TEST)

run: install debian-run
	$(BIN)/driftsstatus sample
	$(BIN)/driftsstatus run
	# The December 2023 report as it was published, before the late SF1525 version (R14).
	$(BIN)/driftsstatus publish --month 2023-12 --as-of 2024-01-04T08:00:00+01:00
	$(BIN)/driftsstatus report --month $(MONTH)
	@echo
	@echo "The app:        $(BIN)/driftsstatus app   (http://localhost:8501)"
	@echo "The Dagster UI: make dagster                (http://127.0.0.1:3000)"

test: install-spark debian-test lint
	$(BIN)/pytest -n 2 --maxschedchunk 1

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt
	$(BIN)/lint-imports
	$(BIN)/vulture

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt

# The UI and daemon on the persistent instance that `driftsstatus run` records into.
dagster: install
	DAGSTER_HOME=$$($(BIN)/driftsstatus instance) $(BIN)/dg dev --host 127.0.0.1 --port 3000

app: install
	$(BIN)/driftsstatus app

# Production: the daemon, the Dagster UI and the app, supervised (README "Deploying").
serve: install debian-run
	$(BIN)/driftsstatus serve

# Pipeline against the floor script at scale (benchmarks/pipeline.py; README "Scale").
bench: install debian-run
	$(BIN)/python benchmarks/pipeline.py --services 200 --probes 2 --months 12

bench-quick: install debian-run
	$(BIN)/python benchmarks/pipeline.py --services 20 --probes 2 --months 1

# About 1.6 billion checks (1,000 services x 3 probes x 12 months), scaling at 250, 500, 1,000.
bench-large: install debian-run
	$(BIN)/python benchmarks/pipeline.py --services 1000 --probes 3 --months 12

# The report page's render time on the built sample and on 50 services x 36 months.
bench-render: install debian-run
	$(BIN)/python benchmarks/render_report.py

clean:
	rm -rf data/warehouse*.duckdb* data/warehouse*.raw dbt/target dbt/logs
