"""The report for machines: csv (one long table) and json (the model as nested data).

Same numbers as the text: display strings as the marts made them, plus the unrounded
percentage, colour and verdict for whoever computes further.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from dagster_project.report.model import Report
from dagster_project.report.response import ResponseTable, milliseconds

CSV_COLUMNS = (
    "report_month", "area", "row_type", "service_id", "label", "month", "month_label",
    "display", "value", "sla_target_pct", "status_colour", "sla_met", "restated",
)  # fmt: skip


def render_csv(report: Report) -> str:
    """One row per area/service/month (row_type availability), per area/month for
    service_calls, and per area for the report month's changes and service windows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _csv_rows(report):
        writer.writerow({key: _csv_value(row.get(key)) for key in CSV_COLUMNS})
    return out.getvalue()


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n"


def report_dict(report: Report) -> dict:
    """The report as plain data (json-ready), including the sentences shown to readers."""
    data = _report_dict(report)
    # Only an area with response-time targets has the key, so other reports read as before.
    for area, entry in zip(report.areas, data["areas"], strict=True):
        if area.response:
            entry["response_times"] = _response_dict(area.response)
    return data


def _response_dict(table: ResponseTable) -> dict:
    return {
        "heading": table.heading,
        "columns": list(table.columns),
        "rows": [
            {
                "service_id": row.service_id, "label": row.label,
                "fractile_pct": _number(row.fractile_pct), "threshold_ms": row.threshold_ms,
                "target_display": row.target_display, "p50_ms": row.p50_ms,
                "p90_ms": row.p90_ms, "p99_ms": row.p99_ms, "display": row.share_display,
                "within_threshold_pct": row.share_pct, "target_met": row.target_met,
                "measured_checks": row.measured_checks, "down_checks": row.down_checks,
                "unmeasured_checks": row.unmeasured_checks,
            }
            for row in table.rows
        ],
    }  # fmt: skip


def _report_dict(report: Report) -> dict:
    return {
        "report_month": f"{report.month:%Y-%m}",
        "title": report.title,
        "subtitle": report.subtitle,
        "period": report.period,
        "months": [f"{m:%Y-%m}" for m in report.months],
        "month_labels": list(report.month_labels),
        "legend": report.legend,
        "areas": [
            {
                "area": area.area,
                "title": area.title,
                "table_heading": area.table_heading,
                "rows": [
                    {
                        "service_id": row.service_id,
                        "label": row.label,
                        "sla_target_pct": _number(row.target_pct),
                        "target_display": row.target_display,
                        "cells": [
                            {
                                "month": f"{c.month:%Y-%m}",
                                "display": c.display,
                                "availability_pct": c.pct,
                                "status_colour": c.colour,
                                "sla_met": c.sla_met,
                                "restated": c.restated,
                            }
                            for c in row.cells
                        ],
                    }
                    for row in area.rows
                ],
                "service_calls": None
                if area.calls is None
                else [
                    {"month": f"{c.month:%Y-%m}", "calls": c.calls, "display": c.display}
                    for c in area.calls.cells
                ],
                "satisfactory": area.satisfactory,
                "verdict": area.verdict,
                "notes_lead": area.notes_lead,
                "notes": [
                    {
                        "incident_id": n.incident_id,
                        "service_code": n.service_code,
                        "title": n.title,
                        "heading": n.heading,
                        "severity": n.severity,
                        "status": n.status,
                        "service_ids": list(n.service_ids),
                        "started_at": n.started_at.isoformat(),
                        "ended_at": n.ended_at.isoformat() if n.ended_at else None,
                        "period": n.period,
                        "description": n.description,
                        "cause": n.cause,
                        "resolution": n.resolution,
                    }
                    for n in area.notes
                ],
                "note": area.note,
                "changes": area.counts.changes,
                "service_windows": area.counts.service_windows,
                "late_service_windows": area.counts.late_service_windows,
                "counts_sentence": area.counts.sentence,
            }
            for area in report.areas
        ],
    }


def _csv_rows(report: Report):
    month = f"{report.month:%Y-%m}"
    for area in report.areas:
        base = {"report_month": month, "area": area.area}
        for row in area.rows:
            for c in row.cells:
                yield {
                    **base, "row_type": "availability", "service_id": row.service_id,
                    "label": row.label, "month": f"{c.month:%Y-%m}",
                    "month_label": _label(report, c.month), "display": c.display,
                    "value": c.pct, "sla_target_pct": row.target_pct,
                    "status_colour": c.colour, "sla_met": c.sla_met, "restated": c.restated,
                }  # fmt: skip
        if area.calls is not None:
            for c in area.calls.cells:
                yield {
                    **base, "row_type": "service_calls", "label": area.calls.label,
                    "month": f"{c.month:%Y-%m}", "month_label": _label(report, c.month),
                    "display": c.display, "value": c.calls,
                }  # fmt: skip
        counts = area.counts
        for kind, value in (
            ("changes", counts.changes),
            ("service_windows", counts.service_windows),
            ("late_service_windows", counts.late_service_windows),
        ):
            yield {
                **base, "row_type": kind, "month": month,
                "month_label": _label(report, report.month), "display": str(value), "value": value,
            }  # fmt: skip
        if area.response:
            yield from _response_rows(report, base, area.response)


def _response_rows(report: Report, base: dict, table: ResponseTable):
    """Per service with a response-time target: its threshold and fractiles, then its share
    within the threshold against the target's fractile (sla_target_pct) and the verdict
    (sla_met)."""
    month = {"month": f"{report.month:%Y-%m}", "month_label": _label(report, report.month)}
    for row in table.rows:
        service = {**base, **month, "service_id": row.service_id, "label": row.label}
        millis = (
            ("threshold", row.threshold_ms), ("p50", row.p50_ms), ("p90", row.p90_ms),
            ("p99", row.p99_ms),
        )  # fmt: skip
        for kind, value in millis:
            yield {
                **service, "row_type": f"response_{kind}", "display": milliseconds(value),
                "value": value,
            }  # fmt: skip
        yield {
            **service, "row_type": "response_within_threshold", "display": row.share_display,
            "value": row.share_pct, "sla_target_pct": row.fractile_pct,
            "sla_met": row.target_met,
        }  # fmt: skip


def _label(report: Report, month) -> str:
    return report.month_labels[report.months.index(month)]


def _csv_value(value) -> str:
    """Booleans as true/false, missing as empty, floats in full (repr) precision."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
