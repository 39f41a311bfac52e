"""The instance's event log on SQLite, writing each batch of a run's events at once.

Dagster's SQLite storage opens, writes and commits up to three database files per event
(the run's, and the asset index twice for a check), each commit a few ms of fsync here.
Two kinds of events come in batches: the planned materializations and checks of every
asset at the start of a run (a build plans one per dbt model and test), and, with
DAGSTER_EVENT_BATCH_SIZE set (infra/instance.py), the materializations of one output
over a partition range (a load of a year of days is 732). This storage stores a batch
with Dagster's own `store_event`, event by event, but inside one transaction per file:
the same rows, a few commits instead of hundreds. Single events are stored as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from sqlalchemy.engine import Connection


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose store_event_batch commits once per database file."""

    def __init__(self, base_dir: str, inst_data=None):
        self._batch = threading.local()  # shard -> the open connection of this thread's batch
        super().__init__(base_dir, inst_data)
        # A batch holds the run's and the index's connection at once, on one thread.
        self._db_lock = threading.RLock()

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # the parent builds its own class
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        connection = getattr(self._batch, "connections", {}).get(shard)
        if connection is not None:  # inside this thread's batch: its open transaction
            yield connection
            return
        with super()._connect(shard) as connection:
            yield connection

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        run_ids = {event.run_id for event in events}
        if len(run_ids) != 1 or not next(iter(run_ids)):  # runless events: one by one
            super().store_event_batch(events)
            return
        with ExitStack() as stack:
            # The lock first, so no other thread writes between the two files' transactions.
            stack.enter_context(self._db_lock)
            connections = {}
            for shard in (run_ids.pop(), INDEX_SHARD_NAME):
                connections[shard] = stack.enter_context(super()._connect(shard))
            self._batch.connections = connections
            stack.callback(self._batch.__dict__.clear)
            for event in events:
                self.store_event(event)
