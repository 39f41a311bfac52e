"""The data contract is written once, in dagster_project/landing/sources.py.

The loader's checks are built from it (landing/checks.py). The GX suites
(expectations/*.json) and the dbt tests of the staging models
(dbt/models/staging/_staging__models.yml; of probe checks partly on int_probe_hours, which
folds them in one pass) restate its facts as reviewed documents:
these tests read those files as they are and hold every fact against sources.py, both
ways, so a column, value set, range or row rule that changes in one place and not in
the others fails here, naming the source and the column.
"""

from __future__ import annotations

import csv
import json
import re
from typing import Any

import pytest
import yaml

from dagster_project.landing.sources import INVISIBLE, SOURCES, Column, Source
from tests.helpers import REPO_ROOT

EXPECTATIONS = REPO_ROOT / "expectations"
STAGING = REPO_ROOT / "dbt" / "models" / "staging"
INTERMEDIATE = REPO_ROOT / "dbt" / "models" / "intermediate"
SEEDS = REPO_ROOT / "dbt" / "seeds"
NAMES = [source.name for source in SOURCES]

# What a staging model adds to its raw table's contract columns: lineage and R4's minute.
STAGING_EXTRAS = {
    "probe_checks": {"minute_start"},
    "incidents": {"source_file", "source_line"},
    "service_windows": set(),
    "changes": set(),
    "service_calls": set(),
}
# The pandas dtypes the GX suites may name for a column of each kind.
GX_TYPES = {
    "timestamp": {"Timestamp"},
    "text": {"str"},
    "id": {"str"},
    "enum": {"str"},
    "service_id": {"str"},
    "int": {"int32", "int64", "Int32Dtype", "Int64Dtype"},
    "number": {"float64"},
    "id_list": {"list"},
}
KNOWN_SERVICES = {"$PARAMETER": "known_service_ids"}
GX_EXPECTATION_TYPES = {
    "expect_column_to_exist",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_of_type",
    "expect_column_values_to_be_in_type_list",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
}
# landed_twice: a warning of a row delivered again, not a fact of the contract.
DBT_TESTS = {"row_rules", "relationships", "known_service_id", "landed_twice"}
# The value rules are the contract's facts; a model's keys (`unique`) are its own.
ROW_RULE_KINDS = {"not_null", "accepted_values", "between", "expressions", "unique"}


# --- the facts as sources.py states them -------------------------------------------------


def required(source: Source) -> set[str]:
    return {c.name for c in source.columns if c.required}


def value_sets(source: Source) -> dict[str, Any]:
    """Column -> its allowed values (a list), or the known services for a service id."""
    sets: dict[str, Any] = {c.name: list(c.allowed) for c in source.columns if c.kind == "enum"}
    sets |= {c.name: KNOWN_SERVICES for c in source.columns if c.kind == "service_id"}
    return sets


def _range(column: Column) -> tuple:
    return (column.minimum, column.maximum, column.exclusive_minimum)


def ranges(source: Source) -> dict[str, tuple]:
    """Column -> (minimum, maximum, exclusive minimum); a list's length is at least 1."""
    found = {c.name: _range(c) for c in source.columns if (c.minimum, c.maximum) != (None, None)}
    found |= {f"{c.name}__length": (1, None, False) for c in source.columns if c.kind == "id_list"}
    return found


def row_rules(source: Source) -> set[str]:
    """The row rules' SQL, plus the non-empty lists, as dbt's row_rules expressions state
    them."""
    lists = {f"cardinality({c.name}) >= 1" for c in source.columns if c.kind == "id_list"}
    return {condition for condition, _ in source.row_rules} | lists


PAIR_RULE = re.compile(r"(?:\w+ is null or )?(\w+) (>=|<=) (\w+)")
REQUIRED_WHEN = re.compile(r"(\w+) <> '(\w+)' or (\w+) is not null")
WHOLE_HOUR = re.compile(r"date_trunc\('hour', (\w+)\) = \1")
# A UTC instant on a whole hour, as GX reads it from the pandas frame (str of a Timestamp).
GX_WHOLE_HOUR = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:00:00(\.0+)?\+00:00$"


def pair_rules(source: Source) -> set[tuple[str, str]]:
    """The row rules that order two columns, as (greater or equal, smaller)."""
    pairs = set()
    for condition, _ in source.row_rules:
        if rule := PAIR_RULE.fullmatch(condition):
            a, op, b = rule.groups()
            pairs.add((a, b) if op == ">=" else (b, a))
    return pairs


def required_when(source: Source) -> set[tuple[str, str, str]]:
    """The row rules that require a column where another holds a value: (column, the
    other, its value)."""
    return {
        (column, other, value)
        for condition, _ in source.row_rules
        if (rule := REQUIRED_WHEN.fullmatch(condition))
        for other, value, column in [rule.groups()]
    }


def whole_hours(source: Source) -> set[str]:
    """The columns a row rule holds to the start of an hour."""
    return {
        rule[1] for condition, _ in source.row_rules if (rule := WHOLE_HOUR.fullmatch(condition))
    }


# --- the facts as the GX suites state them -----------------------------------------------


def _equals(column: str, value: str) -> dict[str, Any]:
    """GX's row condition `column == value`, as a suite's JSON states it."""
    return {"type": "comparison", "column": {"name": column}, "operator": "==", "parameter": value}


def gx_suite(name: str) -> list[dict[str, Any]]:
    document = json.loads((EXPECTATIONS / f"{name}.json").read_text(encoding="utf-8"))
    assert document["name"] == name
    return document["expectations"]


def gx_columns(name: str, expectation_type: str) -> list[str]:
    """The columns of the suite's expectations of this type on every row."""
    return [
        e["kwargs"]["column"]
        for e in gx_suite(name)
        if e["type"] == expectation_type and "row_condition" not in e["kwargs"]
    ]


def gx_value_sets(name: str) -> dict[str, Any]:
    found = [
        (e["kwargs"]["column"], e["kwargs"]["value_set"])
        for e in gx_suite(name)
        if e["type"] == "expect_column_values_to_be_in_set"
    ]
    assert len(found) == len(dict(found)), f"{name}: a column with two value sets"
    return dict(found)


def gx_ranges(name: str) -> dict[str, tuple]:
    found = []
    for e in gx_suite(name):
        if e["type"] == "expect_column_values_to_be_between":
            kw = e["kwargs"]
            assert not kw.get("strict_max"), f"{name}.{kw['column']}: no contract range is open"
            found.append(
                (
                    kw["column"],
                    (kw.get("min_value"), kw.get("max_value"), kw.get("strict_min", False)),
                )
            )
    assert len(found) == len(dict(found)), f"{name}: a column with two ranges"
    return dict(found)


# --- the facts as dbt's staging yml states them ------------------------------------------


def _yml(path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def staging_models() -> dict[str, dict[str, Any]]:
    """Source name -> its staging model's yml entry (the model that selects from it)."""
    entries = {m["name"]: m for m in _yml(STAGING / "_staging__models.yml")["models"]}
    models = {}
    for sql in STAGING.glob("stg_*.sql"):
        if sql.stem.startswith("stg_reference__"):  # reference data, not a landing source
            continue
        found = re.findall(r"source\('raw', '(\w+)'\)", sql.read_text(encoding="utf-8"))
        (name,) = found
        assert name not in models, f"two staging models read raw.{name}"
        models[name] = entries[sql.stem]
    return models


def _test(entry: str | dict) -> tuple[str, dict[str, Any]]:
    """A data test entry -> (test name, its arguments)."""
    if isinstance(entry, str):
        return entry, {}
    ((name, body),) = entry.items()
    return name, (body or {}).get("arguments", {})


# Sources whose rows an intermediate model folds in one pass, testing their columns there.
FOLDED_IN = {"probe_checks": "int_probe_hours"}


def dbt_column_tests(name: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(column, test, arguments) of every column test of the source's staging model, and
    of the model that folds its rows, if any."""
    models = [staging_models()[name]]
    if name in FOLDED_IN:
        entries = _yml(INTERMEDIATE / "_intermediate__models.yml")["models"]
        models += [m for m in entries if m["name"] == FOLDED_IN[name]]
    return [
        (column["name"], *_test(entry))
        for model in models
        for column in model.get("columns", [])
        for entry in column.get("data_tests", [])
    ]


def dbt_model_tests(name: str) -> list[tuple[str, dict[str, Any]]]:
    return [_test(entry) for entry in staging_models()[name].get("data_tests", [])]


def dbt_row_rules(name: str) -> dict[str, Any]:
    """The arguments of the staging model's one row_rules test
    (dbt/tests/generic/row_rules.sql)."""
    model = staging_models()[name]
    (rules,) = [
        entry["row_rules"].get("arguments", {})
        for entry in model.get("data_tests", [])
        if isinstance(entry, dict)
        and entry.get("row_rules", {}).get("name") == f"row_rules_{model['name']}"
    ]
    assert set(rules) <= ROW_RULE_KINDS, f"{name}: a row rule these tests do not compare"
    return rules


def dbt_value_sets(name: str) -> dict[str, Any]:
    found = list(dbt_row_rules(name).get("accepted_values", {}).items())
    found += [  # dbt/tests/generic/known_service_id.sql
        (column, KNOWN_SERVICES)
        for column, test, _ in dbt_column_tests(name)
        if test == "known_service_id"
    ]
    assert len(found) == len(dict(found)), f"{name}: a column with two value sets"
    return dict(found)


def seed_values(seed: str, field: str) -> list[str]:
    with (SEEDS / f"{seed}.csv").open(encoding="utf-8") as handle:
        return [row[field] for row in csv.DictReader(handle)]


# --- the tests ---------------------------------------------------------------------------


def test_contract_every_landing_source_has_a_suite_a_staging_model_and_a_dbt_source():
    assert sorted(p.stem for p in EXPECTATIONS.glob("*.json")) == sorted(NAMES)
    assert sorted(staging_models()) == sorted(NAMES)
    (raw,) = _yml(STAGING / "_staging__sources.yml")["sources"]
    assert (raw["name"], raw["schema"]) == ("raw", "raw")
    # And the raw tables the load derives rather than lands (defs/declarations.py).
    derived = ["public_holidays", "recurring_window_occurrences"]
    assert sorted(t["name"] for t in raw["tables"]) == sorted([*NAMES, *derived])


@pytest.mark.parametrize("name", NAMES)
def test_contract_columns_are_the_loaders_in_gx_and_dbt(name):
    source = next(s for s in SOURCES if s.name == name)
    columns = [c.name for c in source.columns]
    assert gx_columns(name, "expect_column_to_exist") == columns
    staged = [c["name"] for c in staging_models()[name]["columns"]]
    assert len(staged) == len(set(staged))
    assert set(staged) - set(columns) == STAGING_EXTRAS[name]
    assert set(columns) <= set(staged), (
        f"stg model of {name} leaves out {set(columns) - set(staged)}"
    )
    # The dbt source documents some of the raw table's columns, none that the loader lacks.
    (raw,) = _yml(STAGING / "_staging__sources.yml")["sources"]
    table = next(t for t in raw["tables"] if t["name"] == name)
    assert {c["name"] for c in table.get("columns", [])} <= set(columns)
    # Every column a GX expectation reads is a contract column (or a list's length).
    lengths = {f"{c.name}__length" for c in source.columns if c.kind == "id_list"}
    read = {
        kw[key]
        for e in gx_suite(name)
        for kw in [e["kwargs"]]
        for key in ("column", "column_A", "column_B")
        if key in kw
    }
    assert read <= set(columns) | lengths


@pytest.mark.parametrize("name", NAMES)
def test_contract_required_columns_are_not_null_in_gx_and_dbt(name):
    source = next(s for s in SOURCES if s.name == name)
    gx = gx_columns(name, "expect_column_values_to_not_be_null")
    assert len(gx) == len(set(gx)) and set(gx) == required(source)
    dbt = dbt_row_rules(name).get("not_null", [])
    assert len(dbt) == len(set(dbt)) and set(dbt) == required(source)


@pytest.mark.parametrize("name", NAMES)
def test_contract_value_sets_are_the_loaders_in_gx_and_dbt(name):
    source = next(s for s in SOURCES if s.name == name)
    assert gx_value_sets(name) == value_sets(source)
    assert dbt_value_sets(name) == value_sets(source)
    # Any other reference a column must find is a seed whose values are the column's set.
    for column, test, args in dbt_column_tests(name):
        if test == "relationships" and dbt_value_sets(name).get(column) != KNOWN_SERVICES:
            seed = re.fullmatch(r"ref\('(\w+)'\)", args["to"])[1]
            assert seed_values(seed, args["field"]) == value_sets(source)[column], (column, seed)


@pytest.mark.parametrize("name", NAMES)
def test_contract_ranges_are_the_loaders_in_gx_and_dbt(name):
    source = next(s for s in SOURCES if s.name == name)
    assert gx_ranges(name) == ranges(source)
    dbt = {
        column: (
            bounds.get("min_value"),
            bounds.get("max_value"),
            bounds.get("exclusive_min", False),
        )
        for column, bounds in dbt_row_rules(name).get("between", {}).items()
    }
    assert dbt == {c: r for c, r in ranges(source).items() if not c.endswith("__length")}


@pytest.mark.parametrize("name", NAMES)
def test_contract_row_rules_are_the_loaders_in_gx_and_dbt(name):
    source = next(s for s in SOURCES if s.name == name)
    gx = [
        (e["kwargs"]["column_A"], e["kwargs"]["column_B"])
        for e in gx_suite(name)
        if e["type"] == "expect_column_pair_values_a_to_be_greater_than_b"
        and e["kwargs"]["or_equal"]
    ]
    assert len(gx) == len(set(gx)) and set(gx) == pair_rules(source)
    conditional = [
        (e["kwargs"]["column"], json.dumps(e["kwargs"]["row_condition"], sort_keys=True))
        for e in gx_suite(name)
        if e["type"] == "expect_column_values_to_not_be_null" and "row_condition" in e["kwargs"]
    ]
    assert len(conditional) == len(set(conditional)) and set(conditional) == {
        (column, json.dumps(_equals(other, value), sort_keys=True))
        for column, other, value in required_when(source)
    }
    patterns = [
        (e["kwargs"]["column"], e["kwargs"]["regex"])
        for e in gx_suite(name)
        if e["type"] == "expect_column_values_to_match_regex"
    ]
    assert len(patterns) == len(set(patterns))
    assert set(patterns) == {(column, GX_WHOLE_HOUR) for column in whole_hours(source)}
    dbt = [rule["expression"] for rule in dbt_row_rules(name).get("expressions", [])]
    assert len(dbt) == len(set(dbt)) and set(dbt) == row_rules(source)
    # Every row rule has one of the shapes compared here.
    shapes = len(pair_rules(source)) + len(required_when(source)) + len(whole_hours(source))
    assert shapes == len(source.row_rules)


@pytest.mark.parametrize("name", NAMES)
def test_contract_ids_hold_no_invisible_character_in_the_loader_and_gx(name):
    """dbt does not restate it: the staging models read what the loader let through, and
    the probe ids' test would read 3.5 million hours in every build's chain (the
    loader's reject and GX's second opinion on each file suffice)."""
    source = next(s for s in SOURCES if s.name == name)
    gx = [
        (e["kwargs"]["column"], e["kwargs"]["regex"])
        for e in gx_suite(name)
        if e["type"] == "expect_column_values_to_not_match_regex"
    ]
    assert len(gx) == len(set(gx))
    assert set(gx) == {(c.name, INVISIBLE) for c in source.columns if c.kind == "id"}


@pytest.mark.parametrize("name", NAMES)
def test_contract_gx_types_follow_each_columns_kind(name):
    kinds = {c.name: c.kind for c in next(s for s in SOURCES if s.name == name).columns}
    for e in gx_suite(name):
        kw = e["kwargs"]
        if e["type"] == "expect_column_values_to_be_of_type":
            assert {kw["type_"]} <= GX_TYPES[kinds[kw["column"]]], kw
        elif e["type"] == "expect_column_values_to_be_in_type_list":
            assert set(kw["type_list"]) <= GX_TYPES[kinds[kw["column"]]], kw


@pytest.mark.parametrize("name", NAMES)
def test_contract_gx_and_dbt_assert_nothing_these_tests_do_not_compare(name):
    """A new kind of expectation or dbt test on a landing source must be held against
    sources.py here before it can state a fact of its own."""
    assert {e["type"] for e in gx_suite(name)} <= GX_EXPECTATION_TYPES
    tests = {t for _, t, _ in dbt_column_tests(name)} | {t for t, _ in dbt_model_tests(name)}
    assert tests <= DBT_TESTS


def test_contract_loader_rejects_impact_outside_its_range_and_keeps_the_boundary(tmp_path):
    """The loader's check comes from the same Column: (0, 1] for impact, one reason."""
    import duckdb

    from dagster_project.landing.loader import load_source
    from dagster_project.landing.sources import SOURCES_BY_NAME

    incidents = SOURCES_BY_NAME["incidents"]
    impact = next(c for c in incidents.columns if c.name == "impact")
    assert _range(impact) == (0, 1, True)
    folder = tmp_path / "incidents"
    folder.mkdir()
    line = (
        '{{"incident_id": "I{n}", "recorded_at": "2024-01-05T10:00:00Z", '
        '"service_ids": ["ko_app"], "severity": "yellow", "impact": {impact}, '
        '"started_at": "2024-01-05T09:00:00Z", "ended_at": null, "status": "open"}}'
    )
    values = ["1", "0.5", "null", "0", "1.0001", "-0.5"]
    (folder / "i.jsonl").write_text(
        "\n".join(line.format(n=n, impact=v) for n, v in enumerate(values)) + "\n"
    )
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        summary = load_source(con, tmp_path, incidents)
        rejected = con.execute(
            "select line_number, reason from audit.rejected_rows order by 1"
        ).fetchall()
        kept = con.execute("select impact from raw.incidents order by _line").fetchall()
    assert (summary.rows_loaded, summary.rows_rejected) == (3, 3)
    assert rejected == [
        (4, "impact: not in (0, 1]"),
        (5, "impact: not in (0, 1]"),
        (6, "impact: not in (0, 1]"),
    ]
    assert kept == [(1.0,), (0.5,), (None,)]
