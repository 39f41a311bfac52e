"""The `driftsstatus` command line: sample, run, report, publish, app."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dagster_project.settings import REPO_ROOT, load_settings, parse_instant


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "app":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "as_of", None):
        # One place decides the as-of instant: the contract's variable.
        try:
            os.environ["DRIFTSSTATUS_AS_OF"] = parse_instant(args.as_of).isoformat()
        except ValueError as problem:
            parser.error(str(problem))
    return args.handler(args, extra)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="driftsstatus", description="The monthly Driftsstatus report from raw uptime logs."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser("sample", help="write the sample landing data")
    sample.add_argument("--out", type=Path, help="landing folder (default: the configured one)")
    sample.set_defaults(handler=_sample)

    run = commands.add_parser("run", help="load the landing folder and build everything")
    run.add_argument("--as-of", help="compute as of this instant (ISO 8601 with offset)")
    run.set_defaults(handler=_run)

    report = commands.add_parser("report", help="print the report of a month")
    report.add_argument("--month", required=True, help="report month, YYYY-MM")
    report.add_argument("--format", default="text", choices=["text", "csv", "json"])
    report.add_argument("--output", type=Path, help="write to this file instead of stdout")
    report.set_defaults(handler=_report)

    publish = commands.add_parser("publish", help="freeze a month's report (R14)")
    publish.add_argument("--month", required=True)
    publish.set_defaults(handler=_publish)

    app = commands.add_parser("app", help="start the Streamlit app (options go to Streamlit)")
    app.set_defaults(handler=_app)
    return parser


def _sample(args: argparse.Namespace, _extra: list[str]) -> int:
    from dagster_project.sample.generator import write_sample

    out = args.out or load_settings().landing_dir
    write_sample(out)
    print(f"Sample landing data written to {out}")
    return 0


def _run(_args: argparse.Namespace, _extra: list[str]) -> int:
    from dagster_project.pipeline.run import run_pipeline

    settings = load_settings()
    print(f"Landing folder: {settings.landing_dir}\nWarehouse:      {settings.warehouse}")
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    log_file = settings.warehouse.parent / "logs" / "last-run.log"
    outcome = run_pipeline(log_file)
    print("\n".join(outcome.lines()))
    print(f"dbt log: {log_file}")
    return 0 if outcome.success else 1


def _report(args: argparse.Namespace, _extra: list[str]) -> int:
    from dagster_project.report.model import ReportMonthError, build_report
    from dagster_project.report.render import render

    serving = load_settings().serving_copy
    if not serving.exists():
        print(f"No published data at {serving}: run `driftsstatus run` first.", file=sys.stderr)
        return 2
    try:
        report = build_report(serving, args.month)
    except ReportMonthError as problem:
        print(f"driftsstatus report: {problem}", file=sys.stderr)
        return 2
    text = render(report, args.format, colour=args.output is None and sys.stdout.isatty())
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _publish(_args: argparse.Namespace, _extra: list[str]) -> int:
    print(
        "driftsstatus publish: freezing reports (R14) is not built yet; "
        "it arrives with the publication issue.",
        file=sys.stderr,
    )
    return 2


def _app(_args: argparse.Namespace, extra: list[str]) -> int:
    from streamlit.web import cli as streamlit_cli

    script = REPO_ROOT / "app" / "streamlit_app.py"
    sys.argv = ["streamlit", "run", str(script), *extra]
    return streamlit_cli.main()


if __name__ == "__main__":
    sys.exit(main())
