"""A report model as canonical JSON and back: what a published report freezes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from datetime import date, datetime
from decimal import Decimal

from dagster_project.report.model import Report


def freeze(report: Report) -> str:
    """Canonical JSON of the whole report (sorted keys), the same text every time."""
    return json.dumps(_encode(report), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(frozen: str) -> str:
    return hashlib.sha256(frozen.encode("utf-8")).hexdigest()


def thaw(frozen: str) -> Report:
    return _decode(Report, json.loads(frozen))


def _encode(value):
    if dataclasses.is_dataclass(value):
        return {
            f.name: _encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            # A field added later is left out while unset, so earlier reports hash as before.
            if not (f.metadata.get("frozen_if_set") and getattr(value, f.name) is None)
        }
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    return value


def _decode(kind, value):
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        (kind,) = [k for k in typing.get_args(kind) if k is not type(None)]
        return _decode(kind, value)
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_decode(item, v) for v in value)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{name: _decode(hints[name], v) for name, v in value.items()})
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is Decimal:
        return Decimal(value)
    return value
