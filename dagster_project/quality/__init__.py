"""Data-quality validation of the raw tables with Great Expectations.

Suites live as reviewed JSON in expectations/; `validate.validate_files` runs one on the
rows each landed file gave its raw table and records the outcome in
audit.validation_results (results.py). The Dagster asset checks are in defs/quality.py.
Nothing is imported here: `driftsstatus run` starts the GX worker (gx_worker.py) before
it has imported pandas.
"""
