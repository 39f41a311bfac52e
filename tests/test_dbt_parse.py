"""dbt starts from a saved parse (dagster_project/infra/dbt_main.py): a warehouse with a
reference folder of its own parses again only its seed files, as changed files, and gets
the manifest a full parse gives."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from dagster_project.infra import dbt_command
from dagster_project.infra.dbt_cli import DBT_PROJECT
from dagster_project.infra.dbt_command import DBT_EXECUTABLE, PROJECT_MANIFEST, PROJECT_PARSE
from dagster_project.sample.scale import write_scaled_sample
from dagster_project.settings import load_settings


def _parse(target: Path, env: dict[str, str], *flags: str) -> str:
    done = subprocess.run(
        [DBT_EXECUTABLE, "--log-level-file", "none", *flags, "parse", "--target-path", target],
        cwd=DBT_PROJECT.project_dir,
        env=os.environ | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _without_timestamps(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_timestamps(v) for k, v in value.items() if k != "created_at"}
    if isinstance(value, list):
        return [_without_timestamps(v) for v in value]
    return value


def _graph(target: Path) -> dict[str, Any]:
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    keys = ("nodes", "sources", "macros", "unit_tests", "parent_map", "child_map", "disabled")
    return {key: _without_timestamps(manifest[key]) for key in keys}


def test_ops_a_scaled_samples_reference_folder_starts_from_the_projects_parse(tmp_path):
    write_scaled_sample(tmp_path / "landing", tmp_path / "reference", 2, 1, 1, "parquet")
    env = load_settings(
        {
            "DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
            "DRIFTSSTATUS_REFERENCE_DIR": str(tmp_path / "reference"),
        }
    ).dbt_env()
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copyfile(PROJECT_PARSE, partial / PROJECT_PARSE.name)
    output = _parse(partial, env, "--debug")
    # The seven seeds are files of another folder: each is parsed again as a changed file,
    # not deleted and added (which parses again every node that refers to it).
    assert "Partial parsing enabled: 0 files deleted, 0 files added, 7 files changed" in output
    updated = re.findall(r"Partial parsing: updated file: driftsstatus://(\S+)", output)
    seeds = Path(DBT_PROJECT.project_dir) / env["DRIFTSSTATUS_SEED_PATH"]
    assert sorted(f for f in updated if f.endswith(".csv")) == sorted(
        f"{env['DRIFTSSTATUS_SEED_PATH']}/{seed.name}" for seed in seeds.glob("*.csv")
    )
    assert not re.search(r"file: driftsstatus://models/(marts|intermediate)/", output)
    assert not re.search(r"full reparse|Unable to do partial parsing", output), output
    # dbt's anonymous usage events stay off outside dagster-dbt too (dbt_project.yml).
    assert "Sending event" not in output
    full = tmp_path / "full"
    _parse(full, env, "--no-partial-parse")
    assert _graph(partial) == _graph(full)
    seeds = _graph(partial)["nodes"]["seed.driftsstatus.services"]
    assert seeds["original_file_path"] == f"{env['DRIFTSSTATUS_SEED_PATH']}/services.csv"


def _events(target: Path, env: dict[str, str], *flags: str) -> list[tuple[str, str, str]]:
    """(level, name, message) of each JSON line `driftsstatus-dbt ls` writes."""
    target.mkdir()
    shutil.copyfile(PROJECT_PARSE, target / PROJECT_PARSE.name)
    done = subprocess.run(
        [DBT_EXECUTABLE, "--log-format", "json", *flags, "ls", "--target-path", target],
        cwd=DBT_PROJECT.project_dir,
        env=os.environ | env | {"DBT_LOG_PATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line)["info"] for line in done.stdout.splitlines()]
    return [(i["level"], i["name"], i["msg"]) for i in lines if i["name"] != "Formatting"]


def test_ops_a_dbt_log_writes_every_event_of_its_level_and_none_below(tmp_path):
    env = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "w.duckdb")}).dbt_env()
    at_info = _events(tmp_path / "info", env, "--log-level-file", "none")
    at_debug = _events(tmp_path / "debug", env, "--log-level", "debug")
    # dbt's own events: the models listed at info, its arguments and timings at debug too.
    assert ("info", "PrintEvent", "driftsstatus.marts.dim_services") in at_info
    assert {level for level, *_ in at_info} == {"info"}
    assert "debug" in {level for level, *_ in at_debug}
    timed = {"MainReportVersion", "CommandCompleted", "ResourceReport", "StatsLine"}
    kept = [event for event in at_debug if event[0] != "debug" and event[1] not in timed]
    assert kept == [event for event in at_info if event[1] not in timed]
    # The file log keeps its own level (debug by default) whatever standard output's is.
    file_log = (tmp_path / "debug" / "dbt.log").read_text(encoding="utf-8")
    assert '"level": "debug"' in file_log


def _project_copy(tmp_path: Path) -> Path:
    """The dbt project copied into `tmp_path`, without what its runs wrote (target/)."""
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT.project_dir, project, ignore=shutil.ignore_patterns("target"))
    return project


def test_ops_a_plain_dbt_command_in_the_project_leaves_the_projects_parse_alone(tmp_path):
    """README's `dbt build` while developing writes dbt's artifacts into dbt/target/: a
    parse driftsstatus-dbt cannot reuse (its connection settings name the warehouse's
    path). Were the project's parse there, every new warehouse and every publication
    would parse the whole project again."""
    project = _project_copy(tmp_path)
    plain_dbt = Path(DBT_EXECUTABLE).with_name("dbt")
    subprocess.run(
        [plain_dbt, "parse", "--profiles-dir", "."],
        cwd=project,
        env=os.environ | {"DRIFTSSTATUS_WAREHOUSE": str(tmp_path / "warehouse.duckdb")},
        capture_output=True,
        check=True,
    )
    written = {p.relative_to(project) for p in (project / "target").rglob("*") if p.is_file()}
    assert Path("target/partial_parse.msgpack") in written  # where plain dbt keeps its parse
    kept = {p.relative_to(DBT_PROJECT.project_dir) for p in (PROJECT_PARSE, PROJECT_MANIFEST)}
    assert not kept & written


def test_ops_a_changed_profile_makes_the_projects_parse_stale(tmp_path, monkeypatch):
    """A saved parse is reused only with the connection settings it was made with: after
    a change to profiles.yml the project's parse is made again, or every new warehouse
    parses the whole project."""
    project = _project_copy(tmp_path)
    kept = project / "target" / "project"
    kept.mkdir(parents=True)
    monkeypatch.setattr(dbt_command, "DBT_PROJECT_DIR", project)
    monkeypatch.setattr(dbt_command, "PROJECT_MANIFEST", kept / "manifest.json")
    monkeypatch.setattr(dbt_command, "PROJECT_PARSE", kept / "partial_parse.msgpack")
    for made in (dbt_command.PROJECT_MANIFEST, dbt_command.PROJECT_PARSE):
        made.write_bytes(b"{}")
    assert not dbt_command.manifest_is_stale()
    later = dbt_command.PROJECT_MANIFEST.stat().st_mtime + 1
    os.utime(project / "profiles.yml", (later, later))
    assert dbt_command.manifest_is_stale()
