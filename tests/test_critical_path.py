"""dbt's nodes longest chain first (dagster_project/infra/critical_path.py): a build's
time is its longest chain, the hour fold and the models after it, so the fold starts as
soon as what it reads is built and tested, not after every seed and staging test."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx

from dagster_project.infra.critical_path import chain_costs, node_cost


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


def test_ops_the_fold_starts_once_the_checks_view_and_its_test_are_done(sample_built):
    """In the sample's first run, where dbt's own order started the fold 36th of 116
    nodes, after every seed, staging view and their tests: now the next node a thread
    takes once the fold's parent has passed its test (or the one after it, when the
    other thread was freed at that moment)."""
    log = Path(sample_built["warehouse"]).parent / "logs" / "last-run.log"
    lines = re.findall(r"^\d+ of \d+ (START|PASS|OK created) .*?([\w.]+) \.", log.read_text(), re.M)
    tested = lines.index(("PASS", "row_rules_stg_monitoring__probe_checks"))
    fold = lines.index(("START", "intermediate.int_probe_hours"))
    assert ("OK created", "staging.stg_monitoring__probe_checks") in lines[:tested]
    started_between = [name for kind, name in lines[tested:fold] if kind == "START"]
    assert len(started_between) <= 1, started_between
