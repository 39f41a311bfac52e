"""The instance's event log on SQLite, writing each batch of a run's events at once.

Dagster's SQLite storage opens, writes and commits up to three database files per event
(the run's, and the asset index twice for a check), each commit a few ms of fsync here.
Two kinds of events come in batches: the planned materializations and checks of every
asset at the start of a run (a build plans one per dbt model and test), and, with
DAGSTER_EVENT_BATCH_SIZE set (infra/instance.py), the materializations of one output
over a partition range (a load of a year of days is 732). This storage stores a batch
inside one transaction per file: the same rows, a few commits instead of hundreds. The
rows Dagster's `store_event` would insert one statement at a time (an event in the run's
file; an asset event in the index too, with its indexed tags) go in as one multi-row
insert per table, each event serialised once; checks and run status changes go through
`store_event` itself. An asset's row of the asset index (its last materialization, its
last run) is written once per batch with the batch's last event of each kind, not once
per event, and the index's columns are not reflected again for every event: a year's
732 day materializations 1.5-2.2 s to 0.7-1.1 s, then to 0.13-0.15 s of this process's
CPU by the multi-row inserts (0.28-0.32 s before).

Every event, batched or single, goes through one engine per database file, kept, where
Dagster creates and disposes of an engine per event (about as costly as the write), and
each engine keeps its connection open: closing the last connection of a WAL database
checkpoints it and deletes its log, which made opening and closing a connection per
event most of the cost of storing one (1.7 s of the main process's CPU in a one-day run
of 200 services). A commit now reaches the write-ahead log only, and the UI's live view
of a run watches the run's file for changes: a transaction that wrote touches that file
(`os.utime`, which the watcher sees as a change). Commits do not wait for the disk
(`synchronous=NORMAL`, the WAL mode's usual setting): a power loss can lose a run's last
events, never corrupt the file; the warehouse is DuckDB's and keeps its own guarantees.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from itertools import groupby

from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS, EVENT_TYPE_TO_PIPELINE_RUN_STATUS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

# Engines kept: the asset index's and those of the runs in progress. A long-lived process
# (the daemon, the UI) sees runs come and go, so older ones are let go.
KEPT_ENGINES = 8


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose store_event_batch commits once per database file."""

    def __init__(self, base_dir: str, inst_data=None):
        # This thread's batch: shard -> its open connection, and its asset events pending.
        self._batch = threading.local()
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # shard -> engine, oldest first
        self._tables: set[str] = set()  # the index's tables known to exist
        self._asset_key_columns: set[str] = set()  # the asset index's columns known to exist
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
        with self._transaction(shard) as connection:
            yield connection

    @contextmanager
    def _transaction(self, shard: str) -> Iterator[Connection]:
        """Dagster's `_connect` (a new connection in a transaction, committed and closed
        at the end), on the shard's kept engine."""
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection:
                changes = _total_changes(connection)
                with connection.begin():
                    yield connection
                if _total_changes(connection) != changes and shard != INDEX_SHARD_NAME:
                    os.utime(self.path_for_shard(shard))

    def has_table(self, table_name: str) -> bool:
        """Dagster asks before it writes the tags of every asset event, each time on an
        engine and connection of its own (a sixth of the time spent storing events). A
        table, once there, stays: only its presence is remembered."""
        if table_name not in self._tables:
            if not super().has_table(table_name):
                return False
            self._tables.add(table_name)
        return True

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        """Dagster asks before it stores every asset event, by reflecting the table (about
        as costly as the write); a column, once there, stays."""
        if column_name not in self._asset_key_columns:
            if not super()._has_asset_key_col_on_connection(conn, column_name):
                return False
            self._asset_key_columns.add(column_name)
        return True

    def _store_asset_event(self, conn: Connection, event: EventLogEntry, event_id: int) -> None:
        """An asset's row of the asset index holds what its last event of each kind wrote
        (materialization, planned, observation: each kind writes the same columns every
        time). Within a batch (a range of 366 days is 366 materializations of one asset)
        only each asset's last event of each kind is written, at the batch's end, in the
        order they came: the row ends as writing them all would leave it."""
        pending = getattr(self._batch, "asset_events", None)
        if pending is None or not (event.dagster_event and event.dagster_event.asset_key):
            super()._store_asset_event(conn, event, event_id)
            return
        kind = (event.dagster_event.asset_key, event.dagster_event_type)
        pending.pop(kind, None)  # to the end: the order of the last events
        pending[kind] = (event, event_id)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                pool_size=1,  # one connection at a time: `_db_lock`
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            event.listen(engine, "connect", _commit_without_waiting_for_the_disk)
        self._engines[shard] = engine  # the most recently used last
        while len(self._engines) > KEPT_ENGINES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            while self._engines:  # closing a file's last connection checkpoints it
                self._engines.popitem()[1].dispose()

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
                connections[shard] = stack.enter_context(self._transaction(shard))
            self._batch.connections = connections
            self._batch.asset_events = {}
            stack.callback(self._batch.__dict__.clear)
            for simple, group in groupby(events, key=_is_row_only):
                if simple:
                    self._insert_rows(connections, list(group))
                else:  # checks and run status: Dagster's own store_event, one by one
                    for event in group:
                        self.store_event(event)
            for event, event_id in self._batch.asset_events.values():
                super()._store_asset_event(connections[INDEX_SHARD_NAME], event, event_id)

    def _insert_rows(self, connections: dict[str, Connection], entries: list[EventLogEntry]):
        """What `store_event` writes for each of `entries` (none a check or a run status),
        as one multi-row insert per table, each entry serialised once."""
        rows = [self._event_to_row(entry) for entry in entries]
        connections[entries[0].run_id].execute(SqlEventLogStorageTable.insert(), rows)
        assets = [
            (entry, row) for entry, row in zip(entries, rows, strict=True) if _is_asset(entry)
        ]
        if not assets:
            return
        index = connections[INDEX_SHARD_NAME]
        # The index's ids, in the order of the rows (SQLite's RETURNING, batched).
        inserted = index.execute(
            SqlEventLogStorageTable.insert().returning(
                SqlEventLogStorageTable.c.id, sort_by_parameter_order=True
            ),
            [row for _, row in assets],
        )
        event_ids = [event_id for (event_id,) in inserted]
        asset_entries = [entry for entry, _ in assets]
        self._store_asset_event_tags(index, asset_entries, event_ids)
        for entry, event_id in zip(asset_entries, event_ids, strict=True):
            self._store_asset_event(index, entry, event_id)


def _is_asset(entry: EventLogEntry) -> bool:
    return entry.is_dagster_event and entry.dagster_event_type in ASSET_EVENTS


def _is_row_only(entry: EventLogEntry) -> bool:
    """An event `store_event` only inserts as rows (in the run's file and, for an asset
    event, the index, with its tags): not a check's, not a run's status."""
    return not entry.is_dagster_event or (
        entry.dagster_event_type not in ASSET_CHECK_EVENTS
        and entry.dagster_event_type not in EVENT_TYPE_TO_PIPELINE_RUN_STATUS
    )


def _total_changes(connection: Connection) -> int:
    """Rows this SQLite connection has inserted, updated or deleted since it opened."""
    return connection.connection.dbapi_connection.total_changes


def _commit_without_waiting_for_the_disk(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous = NORMAL")
