"""Dagster entry point: the settings are read here, once, and handed to what needs them;
everything else is declared in the defs/ folder."""

from pathlib import Path

import dagster as dg

from dagster_project.defs.resources import resources_for
from dagster_project.defs.sensors import sensors_for
from dagster_project.infra.dbt_cli import prepare_manifest
from dagster_project.settings import Settings, load_settings


def definitions_for(settings: Settings) -> dg.Definitions:
    """The defs folder's assets, checks, jobs and schedules, with the resources and the
    sensors the settings configure."""
    prepare_manifest()  # the dbt assets are declared from it
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(
            resources=resources_for(settings),
            sensors=sensors_for(settings.sensor_interval),
            # DuckDB allows one writing process: run every step in the run's own process
            # (defs/SCALING.md: past one process, and the Spark engine).
            executor=dg.in_process_executor,
        ),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return definitions_for(load_settings())
