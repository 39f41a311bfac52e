"""The report of R15: one model built from the marts, rendered as text, csv, json and pages."""

from dagster_project.report.model import Report, build_report, report_months
from dagster_project.report.render import render

__all__ = ["Report", "build_report", "render", "report_months"]
