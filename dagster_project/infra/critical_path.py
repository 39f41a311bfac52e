"""dbt's nodes started longest chain first, each when a thread is free for it.

dbt orders the nodes that are ready by their depth in the graph, and hands every ready
node to its thread pool's queue at once, first come first served. A build's time is its
longest chain, though: the hour fold (int_probe_hours, most of a build's SQL) and the
vote, runs and marts after it, one after the other. As dbt does it, the fold's parent
finished, its test queued behind some 35 nodes of reference data and their tests, and
the fold behind that test: half a second of a publication before the fold began.

Here a node's priority is the cost of the longest chain from it to the end of the build:
the sum of the costs of the nodes on that chain, each node costing 1 unless its config
says `meta: {relative_cost: N}` (how many ordinary nodes it takes to build). And a node
leaves the queue only when one of the build's threads is free, so one that becomes ready
later still goes before the cheaper ones waiting. Ties keep dbt's order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

import networkx as nx

from dagster_project.infra.dbt_patch import replace_methods

COST_KEY = "relative_cost"
_dbt: dict[str, Callable] = {}  # dbt's own methods, once installed


def chain_costs(graph: nx.DiGraph, cost: Callable[[str], int]) -> dict[str, int]:
    """Each node's cost plus that of its costliest chain of descendants."""
    chains: dict[str, int] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        chains[node] = cost(node) + max((chains[s] for s in graph.successors(node)), default=0)
    return chains


def node_cost(meta: Mapping | None) -> int:
    """A node's cost from its `meta`: `relative_cost`, 1 without one."""
    value = (meta or {}).get(COST_KEY, 1)
    return value if isinstance(value, int) and value > 0 else 1


def _longest_chain_first(self, graph: nx.DiGraph) -> dict:
    """dbt's queue scores (lowest first): the costliest chain first, then dbt's level."""

    def cost(unique_id: str) -> int:
        return node_cost(
            getattr(getattr(self.manifest.expect(unique_id), "config", None), "meta", None)
        )

    levels = _dbt["_get_scores"](self, graph)
    chains = chain_costs(graph, cost)
    return {node: (-chains[node], levels[node]) for node in graph}


def _run_queue_thread_by_thread(self, pool) -> None:
    self.job_queue.free_threads = threading.Semaphore(self.config.threads)
    _dbt["run_queue"](self, pool)


def _get_when_a_thread_is_free(self, block: bool = True, timeout=None):
    if (free := getattr(self, "free_threads", None)) is not None:
        free.acquire()
    return _dbt["get"](self, block, timeout)


def _mark_done_and_free(self, node_id: str) -> None:
    _dbt["mark_done"](self, node_id)  # its children are in the queue before the thread is free
    if (free := getattr(self, "free_threads", None)) is not None:
        free.release()


def install() -> None:
    """dbt's builds take their nodes longest chain first from now on (dbt is imported
    here: a test of the chains need not import it)."""
    from dbt.graph.queue import GraphQueue
    from dbt.task.runnable import GraphRunnableTask

    replace_methods(
        _dbt,
        {
            (GraphQueue, "_get_scores"): _longest_chain_first,
            (GraphQueue, "get"): _get_when_a_thread_is_free,
            (GraphQueue, "mark_done"): _mark_done_and_free,
            (GraphRunnableTask, "run_queue"): _run_queue_thread_by_thread,
        },
    )
