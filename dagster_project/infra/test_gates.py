"""Which models of a build wait for a data test.

dbt's build holds a model back until every test of the models it reads has passed, so
that bad data is not carried on. That is what the tests of the data as landed are for
(staging and reference data: a key broken there skips what is built on it). The tests of
the project's own derived tables (intermediate and marts: their keys, intervals and
ranges) check the project's SQL instead, and on the chain that decides a build's time,
the fold, the vote, the runs and the models after them, each held the next model back
(about 1 s of tests on that chain at 200 services, most of it the fold's key test).
Beside the models they still share the two cores with them: a full build is about 0.3 s
shorter (benchmarks/HISTORY.md, fifteenth session).

Here a test whose config says `meta: {holds_back: false}` (dbt_project.yml: every test of
the intermediate and marts folders), or whose severity is `warn` (a warning stops
nothing), holds back no model: it runs beside the models after its own. A failure still
fails the build, so nothing of it is served or published; a plain `dbt build` keeps
dbt's order, with the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dagster_project.infra.dbt_patch import replace_methods

HOLDS_BACK_KEY = "holds_back"
_dbt: dict[str, Callable] = {}  # dbt's own method, once installed


def holds_back(severity: str, meta: Mapping | None) -> bool:
    """Whether a test with this severity and `meta` holds back the models after its own."""
    return severity.lower() != "warn" and (meta or {}).get(HOLDS_BACK_KEY) is not False


def _test_edges_of_gates_only(self, manifest) -> None:
    """dbt's edges from each test to the models that wait for it, but a test's that holds
    nothing back (a data test has no edges of its own: every edge out of one is dbt's)."""
    from dbt.node_types import NodeType

    _dbt["add_test_edges"](self, manifest)
    for node_id in list(self.graph):
        node = manifest.nodes.get(node_id)
        if (
            node is not None
            and node.resource_type == NodeType.Test
            and not holds_back(node.config.severity, node.config.meta)
        ):
            self.graph.remove_edges_from(list(self.graph.out_edges(node_id)))


def install() -> None:
    """dbt's builds hold models back for the tests that gate them only (dbt is imported
    here: a test of the rule need not import it)."""
    from dbt.compilation import Linker

    replace_methods(_dbt, {(Linker, "add_test_edges"): _test_edges_of_gates_only})
