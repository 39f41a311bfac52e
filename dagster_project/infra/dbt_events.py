"""dbt's events made into log lines only for a log that keeps them.

dbt makes every event it fires into protobuf messages twice (the event's fields as it is
created, then the message with its level, text, time and thread as it is fired),
formatting its text, before any log looks at its level, and a log formats each line
before its level drops it. A one-month build fires about 1,950 events, 1,700 of them
debug events (each SQL statement and connection, each node's compiling), which the
pipeline's logs (info, as JSON on dbt's standard output) drop. Here an event's fields
become a message only when something reads them; the event manager passes over an
event that no log keeps and no callback sees (warnings and errors always take dbt's
own way: --warn-error may make them errors); and a log formats only the events its
level keeps, writing the same lines. Every dbt command has one callback, dbt's tracking
of behaviour-change warnings, which reads no other event: it does not count as one
that sees them (otherwise every event would take dbt's own way: 0.35 s of a one-month
build's dbt, a fifth of its Python).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from dbt.tracking import track_behavior_change_warn
from dbt_common.events.base_types import BaseEvent, EventLevel, EventMsg
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import PRINT_EVENT_NAMES, _Logger
from dbt_common.events.types import BehaviorChangeEvent

from dagster_project.infra.dbt_patch import replace_methods

# dbt's event levels as the logging levels its logs are set to (dbt_common's logger.py).
_LOGGING_LEVELS = {
    "test": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}
_dbt: dict[str, Callable] = {}  # dbt's own methods, once installed


def install() -> None:
    """dbt's events from now on: made when read, passed over when no log keeps them."""
    replace_methods(
        _dbt,
        {
            (BaseEvent, "__init__"): _keep_fields,
            (EventManager, "fire_event"): _fire_if_kept,
            (_Logger, "write_line"): _write_line_if_kept,
        },
    )
    BaseEvent.__getattr__ = _field  # dbt's events have neither
    BaseEvent.__setattr__ = _set_field


def _keep_fields(self: BaseEvent, *args, **kwargs) -> None:
    object.__setattr__(self, "_fields", (args, kwargs))


def _message(self: BaseEvent):
    """The event's fields as dbt's protobuf message, made on first use."""
    made = self.__dict__.get("pb_msg")
    if made is None:
        args, kwargs = self.__dict__["_fields"]
        _dbt["__init__"](self, *args, **kwargs)  # sets pb_msg (or fires dbt's Note)
        made = self.__dict__["pb_msg"]
    return made


def _field(self: BaseEvent, key: str):
    message = _message(self)
    return message if key == "pb_msg" else message.__getattribute__(key)


def _set_field(self: BaseEvent, key: str, value) -> None:
    if key == "pb_msg":
        object.__setattr__(self, key, value)
    else:
        _message(self).__setattr__(key, value)


def _logging_level(level: str, name: str) -> int:
    # As dbt's write_line sends it: a print event as an error, so that --quiet keeps it.
    return logging.ERROR if name in PRINT_EVENT_NAMES else _LOGGING_LEVELS[level]


def _fire_if_kept(
    self: EventManager,
    e: BaseEvent,
    level: EventLevel | None = None,
    node=None,
    force_warn_or_error_handling: bool = False,
) -> None:
    tag = (level or e.level_tag()).value
    if (
        not force_warn_or_error_handling
        and tag in ("test", "debug", "info")
        and not _seen_by_callbacks(self, e)
    ):
        wanted = _logging_level(tag, type(e).__name__)
        if not any(
            logger._python_logger is not None and logger._python_logger.isEnabledFor(wanted)
            for logger in self.loggers
        ):
            return
    _dbt["fire_event"](self, e, level, node, force_warn_or_error_handling)


def _seen_by_callbacks(manager: EventManager, e: BaseEvent) -> bool:
    """A callback reads the event: any but dbt's tracking of behaviour-change warnings
    reads every event, that one only those."""
    return any(c is not track_behavior_change_warn for c in manager.callbacks) or (
        bool(manager.callbacks) and isinstance(e, BehaviorChangeEvent)
    )


def _write_line_if_kept(self: _Logger, msg: EventMsg) -> None:
    level = _logging_level(msg.info.level, msg.info.name)
    if self._python_logger is not None and self._python_logger.isEnabledFor(level):
        _dbt["write_line"](self, msg)
