"""dbt's nodes longest chain first (dagster_project/infra/critical_path.py): a build's
time is its longest chain, the hour fold and the models after it, so the fold starts as
soon as what it reads is built and tested, not after every seed and staging test."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx

from dagster_project.infra.critical_path import chain_costs, node_cost
from dagster_project.infra.test_gates import holds_back


def test_ops_a_node_costs_itself_and_its_costliest_chain_of_descendants():
    graph = nx.DiGraph([("seed", "seed_test"), ("view", "view_test"), ("view_test", "fold"),
                        ("fold", "vote"), ("seed", "dim"), ("dim", "vote")])  # fmt: skip
    costs = {"fold": 50}
    assert chain_costs(graph, lambda node: costs.get(node, 1)) == {
        "vote": 1,
        "fold": 51,
        "view_test": 52,
        "view": 53,
        "dim": 2,
        "seed_test": 1,
        "seed": 3,
    }
    assert [node_cost(meta) for meta in (None, {}, {"relative_cost": 50})] == [1, 1, 50]
    # Not a whole number above zero: an ordinary node.
    assert [node_cost({"relative_cost": bad}) for bad in (0, -3, "50", 2.5)] == [1, 1, 1, 1]


def test_ops_a_test_of_a_derived_table_or_a_warning_holds_back_no_model():
    """infra/test_gates.py: only an error-severity test not marked `holds_back: false`
    (the data as landed: staging, reference data) keeps the models after its own waiting."""
    assert holds_back("error", None) and holds_back("error", {"label": "x"})
    assert holds_back("error", {"holds_back": True})
    assert not holds_back("error", {"holds_back": False})
    assert not holds_back("warn", None) and not holds_back("WARN", {"holds_back": True})


def test_ops_the_fold_starts_once_the_checks_view_and_its_test_are_done(sample_built):
    """In the sample's first run, where dbt's own order started the fold 36th of 116
    nodes, after every seed, staging view and their tests: now the next node a thread
    takes once the fold's parent has passed its test (or the one after it, when the
    other thread was freed at that moment)."""
    lines = _progress(sample_built)
    tested = lines.index(("PASS", "row_rules_stg_monitoring__probe_checks"))
    fold = lines.index(("START", "intermediate.int_probe_hours"))
    assert ("OK created", "staging.stg_monitoring__probe_checks") in lines[:tested]
    started_between = [name for kind, name in lines[tested:fold] if kind == "START"]
    assert len(started_between) <= 1, started_between


def test_ops_the_vote_starts_as_the_fold_ends_and_its_tests_run_beside_it(sample_built):
    """The fold's tests (intermediate: `holds_back: false` in dbt_project.yml) no longer
    hold the vote back: dbt's order ran all four of them, the key test the longest,
    between the fold and the vote on the build's critical chain."""
    lines = _progress(sample_built)
    folded = lines.index(("OK created", "intermediate.int_probe_hours"))
    vote = lines.index(("START", "intermediate.int_probe_status_blocks"))
    key_test = lines.index(("PASS", "unique_keys_int_probe_hours"))
    assert folded < vote < key_test


def _progress(sample_built: dict) -> list[tuple[str, str]]:
    """The build's progress lines in the order dbt logged them: (START, PASS or OK
    created, the node's name)."""
    log = Path(sample_built["warehouse"]).parent / "logs" / "last-run.log"
    return re.findall(r"^\d+ of \d+ (START|PASS|OK created) .*?([\w.]+) \.", log.read_text(), re.M)
