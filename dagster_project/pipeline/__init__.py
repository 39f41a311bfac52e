"""Running the Dagster pipeline in-process, as `driftsstatus run` does."""
