"""Dagster definitions, one module per concern: resources, landing, dbt, publish."""
