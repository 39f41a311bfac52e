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
    nodes, after every seed, staging view and their tests."""
    log = Path(sample_built["warehouse"]).parent / "logs" / "last-run.log"
    started = re.findall(r"^\d+ of \d+ START \S+ (?:\S+ )*?([\w.]+) \.", log.read_text(), re.M)
    before = started[: started.index("intermediate.int_probe_hours")]
    assert "staging.stg_monitoring__probe_checks" in before
    assert "row_rules_stg_monitoring__probe_checks" in before
    # Two threads: while one built the view and tested it, the other took the next nodes.
    assert len(before) <= 6, before
