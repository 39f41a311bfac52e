"""The `driftsstatus` command line: sample, run, report, publish, deliver, instance, serve,
app.

The settings are read once, here, and handed to the command. Each command imports what
it needs when it runs: `report` and `publish` start without loading Dagster or dbt (a
publish runs dbt as a subprocess).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import os
import shlex
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from dagster_project.landing.sources import SOURCES_BY_NAME
from dagster_project.report.render import FORMATS
from dagster_project.settings import (
    REPO_ROOT,
    Settings,
    failed_run_record_of,
    load_settings,
    parse_instant,
)
from dagster_project.timeline import FIRST_MONTH, month_in_progress


def entry() -> NoReturn:
    """The `driftsstatus` command: `main`, then out without the interpreter's teardown."""
    from dagster_project.infra.fast_exit import exit_now

    exit_now(main())


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "app":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    overrides = {}
    if getattr(args, "as_of", None):
        # The option wins over DRIFTSSTATUS_AS_OF.
        try:
            overrides["as_of"] = parse_instant(args.as_of)
        except ValueError as problem:
            parser.error(str(problem))
    if getattr(args, "allow_empty", None):
        # Added to DRIFTSSTATUS_ALLOW_EMPTY (the variable the scheduled runs are given).
        named = set(args.allow_empty.split(","))
        if unknown := named - set(SOURCES_BY_NAME):
            parser.error(f"--allow-empty: not a landing source: {', '.join(sorted(unknown))}")
        overrides["allow_empty"] = named
    try:
        settings = load_settings()
        if "allow_empty" in overrides:
            overrides["allow_empty"] = settings.allow_empty | overrides["allow_empty"]
        return args.handler(args, extra, dataclasses.replace(settings, **overrides))
    except KeyboardInterrupt:
        print(f"driftsstatus {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as crash:  # a user gets one line, never a traceback
        print(f"driftsstatus {args.command}: {_describe(crash)}", file=sys.stderr)
        return 1


def _describe(crash: BaseException) -> str:
    """'<Type>: <message>' on one line, of the real cause.

    DuckDB's failed rollback ("cannot rollback - no transaction is active") hides the
    write error it was handling: an I/O error in the chain (e.g. No space left on
    device) is what a user can act on.
    """
    import duckdb

    chain, seen = [], set()
    while crash is not None and id(crash) not in seen:
        seen.add(id(crash))
        chain.append(crash)
        crash = crash.__cause__ or crash.__context__
    shown = next((e for e in chain if isinstance(e, OSError | duckdb.IOException)), chain[0])
    return f"{type(shown).__name__}: {' '.join(str(shown).split())}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="driftsstatus", description="The monthly Driftsstatus report from raw uptime logs."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser("sample", help="write the sample landing data")
    sample.add_argument("--out", type=Path, help="landing folder (default: the configured one)")
    sample.add_argument(
        "--reference",
        type=Path,
        help="where the reference data of --declarations or --services goes "
        "(default: 'reference' next to the landing folder)",
    )
    kind = sample.add_mutually_exclusive_group()
    kind.add_argument(
        "--declarations",
        action="store_true",
        help="add NemLog-in, declared with service-time classes, holidays, a recurring "
        "window, a response-time target and contract terms, to the report's sample",
    )
    scaled = sample.add_argument_group(
        "scaled sample (benchmarks)",
        "minute checks with a known daily downtime pattern instead of the report's sample",
    )
    kind.add_argument("--services", type=int, help="number of services (a scaled sample)")
    scaled.add_argument("--probes", type=int, default=2, help="probes per service (default 2)")
    scaled.add_argument("--months", type=int, default=12, help="months from 2024-01 (default 12)")
    scaled.add_argument(
        "--format", choices=("parquet", "csv.gz"), default="parquet", help="probe check files"
    )
    sample.set_defaults(handler=_sample)

    run = commands.add_parser("run", help="load the landing folder and build everything")
    run.add_argument("--as-of", help="compute as of this instant (ISO 8601 with offset)")
    run.add_argument(
        "--months",
        type=_month_range,
        help="build only these months, as one run: YYYY-MM..YYYY-MM (default: the months the "
        "landing folder's rows bear on, with those of files gone from it)",
    )
    run.add_argument(
        "--allow-empty",
        metavar="SOURCE[,SOURCE]",
        help="remove the rows of these sources although their landing folders are empty "
        "(without it an emptied folder fails the run and keeps its rows)",
    )
    run.set_defaults(handler=_run)

    report = commands.add_parser("report", help="print the report of a month")
    report.add_argument("--month", type=_month, required=True, help="report month, YYYY-MM")
    report.add_argument("--format", default="text", choices=FORMATS)
    report.add_argument("--output", type=Path, help="write to this file instead of stdout")
    frozen = report.add_mutually_exclusive_group()
    frozen.add_argument(
        "--as-published", action="store_true", help="reprint the published report as frozen"
    )
    frozen.add_argument(
        "--recompute",
        action="store_true",
        help="recompute the published report from the raw data as of its instant",
    )
    report.set_defaults(handler=_report)

    publish = commands.add_parser("publish", help="freeze a month's report (R14)")
    publish.add_argument("--month", type=_month, help="report month, YYYY-MM")
    publish.add_argument("--as-of", help="compute as of this instant (default: now)")
    publish.add_argument(
        "--supersede", action="store_true", help="publish a month that is already published"
    )
    publish.add_argument("--reason", help="why the month is published again (with --supersede)")
    publish.add_argument("--list", action="store_true", help="list the published reports")
    publish.set_defaults(handler=_publish)

    deliver = commands.add_parser(
        "deliver", help="e-mail a month's report (the frozen one once published)"
    )
    deliver.add_argument("--month", type=_month, required=True, help="report month, YYYY-MM")
    deliver.set_defaults(handler=_deliver)

    instance = commands.add_parser(
        "instance",
        help="write the Dagster instance's dagster.yaml and print its DAGSTER_HOME",
        description="Prepare the persistent Dagster instance that `run`, the UI and the "
        "daemon share (DAGSTER_HOME, default: 'dagster' next to the warehouse), prune "
        "finished runs past DRIFTSSTATUS_RUN_RETENTION_DAYS with --prune, and print the "
        "folder: DAGSTER_HOME=$(driftsstatus instance) dg dev",
    )
    instance.add_argument("--prune", action="store_true", help="prune old finished runs")
    instance.set_defaults(handler=_instance)

    serve = commands.add_parser(
        "serve",
        help="run the Dagster daemon, the Dagster UI and the app, supervised",
        description="Start the Dagster daemon (schedules, sensors, run queue), the Dagster "
        "webserver and the Streamlit app on the persistent instance; restart one that "
        "crashes; stop all on SIGTERM or SIGINT. Logs: 'logs' next to the warehouse.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--dagster-port", type=int, default=3000, help="the Dagster UI's port")
    serve.add_argument("--app-port", type=int, default=8501, help="the app's port")
    serve.set_defaults(handler=_serve)

    app = commands.add_parser("app", help="start the Streamlit app (options go to Streamlit)")
    app.set_defaults(handler=_app)
    return parser


def _sample(args: argparse.Namespace, _extra: list[str], settings: Settings) -> int:
    out = args.out or settings.landing_dir
    reference = args.reference or out.parent / "reference"
    if args.declarations or args.services is not None:
        from dagster_project.sample import check_reference_folder

        try:  # before anything is written
            check_reference_folder(reference)
        except ValueError as problem:
            print(f"driftsstatus sample: {problem}", file=sys.stderr)
            return 2
    if args.services is not None:
        from dagster_project.sample.scale import write_scaled_sample

        checks = write_scaled_sample(
            out, reference, args.services, args.probes, args.months, args.format
        )
        print(
            f"{checks:,} probe checks ({args.services} services x {args.probes} probes x "
            f"{args.months} months) written to {out / 'probe_checks'}"
        )
    else:
        from dagster_project.sample.generator import write_sample

        write_sample(out)
        print(f"Sample landing data written to {out}")
        if not args.declarations:
            return 0
        from dagster_project.sample.declared_service import (
            write_declared_reference,
            write_declared_service,
        )

        write_declared_service(out)
        write_declared_reference(reference)
    print(f"Its reference data: {reference}; build with DRIFTSSTATUS_REFERENCE_DIR={reference}")
    return 0


def _month(text: str) -> str:
    """A report month, checked before any work (and any lock)."""
    try:
        datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError(f"month must look like YYYY-MM: {text!r}") from None
    return text


def _month_range(text: str) -> tuple[str, str]:
    """'2023-11..2024-01' -> the partition keys ('2023-11-01', '2024-01-01').

    Checked against the partitions' span as the time line gives it, not by importing
    Dagster: `run` starts the GX worker after its arguments are parsed, and Dagster's import
    (about 1.3 s) would hold it up."""
    first, _, last = text.partition("..")
    try:
        months = [datetime.strptime(m, "%Y-%m").date() for m in (first, last or first)]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"months must look like YYYY-MM..YYYY-MM: {text!r}"
        ) from None
    if months[0] > months[1]:
        raise argparse.ArgumentTypeError(f"the first month comes after the last: {text!r}")
    keys = f"{months[0]:%Y-%m}-01", f"{months[1]:%Y-%m}-01"
    # Only partitions exist: from the contract's first month to the month in progress.
    earliest, latest = FIRST_MONTH, f"{month_in_progress():%Y-%m-%d}"
    if keys[0] < earliest or keys[1] > latest:
        raise argparse.ArgumentTypeError(
            f"months must lie between {earliest[:7]} and {latest[:7]}: {text!r}"
        )
    return keys


def _run(args: argparse.Namespace, _extra: list[str], settings: Settings) -> int:
    from dagster_project.infra.lock import WarehouseLocked, warehouse_lock
    from dagster_project.infra.webhook import failure_payload

    try:
        _check_writable(settings.warehouse)
    except OSError as problem:
        reason = problem.strerror or str(problem)
        return _fail_run(
            settings,
            f"driftsstatus run: cannot write the warehouse {settings.warehouse}: {reason}",
            notify=_pipeline_failed,
        )
    try:
        with warehouse_lock(settings.warehouse, settings.lock_timeout, _command_line()):
            return _run_locked(settings, args.months)
    except WarehouseLocked as problem:
        # Alerted, not recorded for the app: the run holding the lock reports its own.
        print(problem, file=sys.stderr)
        _alert(settings, failure_payload(str(problem), settings.warehouse))
        return 2
    except Exception as crash:  # the pipeline's own steps report theirs in the outcome
        summary = f"driftsstatus run crashed: {_describe(crash)}"
        detail = _log_crash(_log_file(settings), crash)
        return _fail_run(settings, summary, detail, code=1, notify=_pipeline_failed)


def _check_writable(warehouse: Path) -> None:
    """Raise OSError unless the warehouse's folder takes new files (WAL, lock, copies,
    log) and the warehouse itself can be written: before any work is done."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=warehouse.parent):
        pass
    if warehouse.exists() and not os.access(warehouse, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(warehouse))


def _log_file(settings: Settings) -> Path:
    return settings.warehouse.parent / "logs" / "last-run.log"


def _log_crash(log_file: Path, crash: BaseException) -> str:
    """Append the traceback to the run's log; the line that tells the user where it is."""
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a", encoding="utf-8") as log:
            log.write(f"\ndriftsstatus run crashed at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
            log.writelines(traceback.format_exception(crash))
    except OSError as problem:
        return f"The stack trace could not be written to {log_file}: {_describe(problem)}"
    return f"The stack trace is in {log_file}"


def _fail_run(
    settings: Settings,
    summary: str,
    detail: str = "",
    code: int = 2,
    run: str = "driftsstatus run",
    notify: Callable[[Settings, dict], None] | None = None,
) -> int:
    """Say why the run failed (one line, then where to look), alert (`notify`: the alert's
    payload elsewhere too), and exit `code`."""
    from dagster_project.infra.webhook import failure_payload

    print(summary, file=sys.stderr)
    if detail:
        print(detail, file=sys.stderr)
    (notify or _alert)(settings, failure_payload(summary, settings.warehouse, run=run))
    return code


def _run_locked(settings: Settings, months: tuple[str, str] | None) -> int:
    from dagster_project.infra import collector
    from dagster_project.quality import gx_worker

    collector.pause()  # until the definitions are loaded (run_pipeline)
    # GX is imported on the other core while this one imports Dagster (dbt later, during
    # the load: run_pipeline); the run stops the GX worker once the load has been
    # validated (here if it never got that far).
    with gx_worker.started():
        from dagster_project.pipeline.run import months_to_build, run_pipeline

        print(f"Landing folder: {settings.landing_dir}\nWarehouse:      {settings.warehouse}")
        months = months or months_to_build(settings)
        print(f"Months built: {months[0][:7]} .. {months[1][:7]} (one run)")
        log_file = _log_file(settings)
        # Dagster reports a failed step with its stack trace on stderr: into the log with
        # dbt's output (the summary names the step and its error).
        with contextlib.redirect_stderr(_StderrIntoLog()):
            outcome = run_pipeline(settings, log_file, months)
    print("\n".join(outcome.lines()))
    print(f"dbt log: {log_file}")
    if not outcome.success:
        _pipeline_failed(settings, outcome.alert(settings.warehouse))
    return 0 if outcome.success else 1


class _StderrIntoLog:
    """stderr that goes where stdout goes while the pipeline sends that to its log."""

    def __init__(self) -> None:
        self.stdout, self.stderr = sys.stdout, sys.stderr

    def _target(self):
        return self.stderr if sys.stdout is self.stdout else sys.stdout

    def write(self, text: str) -> int:
        return self._target().write(text)

    def __getattr__(self, name: str):  # flush, isatty, encoding, ...
        return getattr(self._target(), name)


def _command_line() -> str:
    """This command as typed: what a process waiting for the warehouse lock reports."""
    return shlex.join(["driftsstatus", *sys.argv[1:]])


def _pipeline_failed(settings: Settings, payload: dict) -> None:
    """A failed pipeline run: recorded for the app (its figures are from an earlier run:
    report/run_status.py), then alerted."""
    from dagster_project.report.run_status import record_failed_run

    with contextlib.suppress(OSError):  # a warehouse folder that takes no file: alerted
        record_failed_run(failed_run_record_of(settings.warehouse), payload)
    _alert(settings, payload)


def _alert(settings: Settings, payload: dict) -> None:
    from dagster_project.infra.webhook import send_alert

    if settings.alert_webhook:
        send_alert(settings.alert_webhook, payload)


def _report(args: argparse.Namespace, _extra: list[str], settings: Settings) -> int:
    from dagster_project.infra import dbt_server

    # A recomputation runs dbt: imported meanwhile (infra/dbt_server.py).
    with dbt_server.started() if args.recompute else contextlib.nullcontext():
        return _report_shown(args, settings)


def _report_shown(args: argparse.Namespace, settings: Settings) -> int:
    from dagster_project.publish.reports import BlockingChecksFailed, report_as_of
    from dagster_project.report.model import ReportMonthError, build_report
    from dagster_project.report.published import PublishError, published_report
    from dagster_project.report.render import render

    serving = settings.serving_copy
    if not serving.exists():
        print(f"No published data at {serving}: run `driftsstatus run` first.", file=sys.stderr)
        return 2
    try:
        if args.as_published or args.recompute:
            publication, report = published_report(serving, args.month)
            if args.recompute:
                # From the serving copy: a reader never touches the file the pipeline writes.
                report = report_as_of(
                    serving,
                    args.month,
                    publication.as_of,
                    settings.dbt_env(),
                    published_before=publication.published_at,
                )
        else:
            report = build_report(serving, args.month)
    except BlockingChecksFailed as problem:
        # The data no longer passes the checks the published figures passed: a
        # recomputation from it proves nothing; the frozen figures are still there.
        print(
            f"driftsstatus report: cannot recompute {publication.report_id}: {problem}; "
            "its figures as published: --as-published",
            file=sys.stderr,
        )
        return 2
    except (ReportMonthError, PublishError) as problem:
        print(f"driftsstatus report: {problem}", file=sys.stderr)
        return 2
    shown = render(report, args.format, colour=args.output is None and sys.stdout.isatty())
    if isinstance(shown, bytes) and args.output is None and sys.stdout.isatty():
        print(
            f"driftsstatus report: {args.format} is a binary format; use --output FILE",
            file=sys.stderr,
        )
        return 2
    if args.output:
        data = shown if isinstance(shown, bytes) else shown.encode("utf-8")
        args.output.write_bytes(data)
    elif isinstance(shown, bytes):
        sys.stdout.buffer.write(shown)
    else:
        sys.stdout.write(shown)
    return 0


def _publish(args: argparse.Namespace, _extra: list[str], settings: Settings) -> int:
    from dagster_project.infra.lock import WarehouseLocked, warehouse_lock

    if args.list:  # a reader of the serving copy: never waits for a writer
        return _list_publications(settings)
    if not args.month:
        print("driftsstatus publish: --month is required (or --list)", file=sys.stderr)
        return 2
    if args.supersede != bool(args.reason):
        print("driftsstatus publish: --supersede and --reason go together", file=sys.stderr)
        return 2
    if not settings.warehouse.exists():
        print(
            f"driftsstatus publish: no warehouse at {settings.warehouse}: "
            "run `driftsstatus run` first.",
            file=sys.stderr,
        )
        return 2
    try:
        with warehouse_lock(settings.warehouse, settings.lock_timeout, _command_line()):
            return _publish_locked(args, settings)
    except WarehouseLocked as problem:
        print(problem, file=sys.stderr)
        return 2


def _list_publications(settings: Settings) -> int:
    from dagster_project.report.published import publications

    source = settings.serving_copy if settings.serving_copy.exists() else None
    for p in publications(source) if source else []:
        superseding = f"  supersedes {p.supersedes}: {p.reason}" if p.supersedes else ""
        print(
            f"{p.report_id:<10} as of {p.as_of.isoformat()}  published "
            f"{p.published_at:%Y-%m-%d %H:%M} by {p.published_by}  "
            f"sha256 {p.content_hash[:12]}{superseding}"
        )
    return 0


def _publish_locked(args: argparse.Namespace, settings: Settings) -> int:
    from dagster_project.infra import dbt_server

    with dbt_server.started():  # dbt is imported meanwhile (infra/dbt_server.py)
        return _publish_with_dbt_server(args, settings)


def _publish_with_dbt_server(args: argparse.Namespace, settings: Settings) -> int:
    from dagster_project.publish.reports import BlockingChecksFailed, publish_report
    from dagster_project.publish.serving import serve_publications
    from dagster_project.report.published import PublishError

    as_of = settings.as_of or datetime.now(UTC)  # --as-of is in the settings by now
    try:
        publication, new = publish_report(
            settings.warehouse,
            args.month,
            as_of,
            settings.publisher,
            settings.dbt_env(),
            args.reason,
        )
    except BlockingChecksFailed as problem:
        print(f"driftsstatus publish refused: {problem}", file=sys.stderr)
        return 2
    except PublishError as problem:
        print(f"driftsstatus publish: {problem}", file=sys.stderr)
        return 2
    serve_publications(settings.warehouse, settings.serving_copy)
    state = "Published" if new else "Already published, unchanged:"
    print(
        f"{state} {publication.report_id} as of {publication.as_of.isoformat()} "
        f"(sha256 {publication.content_hash})"
    )
    return 0


def _deliver(args: argparse.Namespace, _extra: list[str], settings: Settings) -> int:
    import duckdb

    from dagster_project.infra.lock import WarehouseLocked, warehouse_lock
    from dagster_project.publish.delivery import DeliveryFailed, deliver_report
    from dagster_project.report.model import ReportMonthError
    from dagster_project.report.published import PublishError

    if settings.mail is None:
        print(
            "driftsstatus deliver: mail is not configured: set DRIFTSSTATUS_SMTP_HOST and "
            "DRIFTSSTATUS_REPORT_RECIPIENTS",
            file=sys.stderr,
        )
        return 2
    # The report is read from the serving copy; the delivery is recorded in the warehouse.
    needed = ((settings.serving_copy, "published data"), (settings.warehouse, "warehouse"))
    for path, what in needed:
        if not path.exists():
            print(
                f"driftsstatus deliver: no {what} at {path}: run `driftsstatus run` first.",
                file=sys.stderr,
            )
            return 2
    try:
        # Held from before sending until recorded: no delivery goes unrecorded.
        with (
            warehouse_lock(settings.warehouse, settings.lock_timeout, _command_line()),
            duckdb.connect(str(settings.warehouse)) as con,
        ):
            delivery = deliver_report(
                con, settings.serving_copy, args.month, settings.mail, _command_line()
            )
    except (ReportMonthError, PublishError) as problem:
        print(f"driftsstatus deliver: {problem}", file=sys.stderr)
        return 2
    except WarehouseLocked as problem:  # the report did not go out
        return _fail_run(settings, str(problem), run=_command_line())
    except DeliveryFailed as problem:
        return _fail_run(settings, f"driftsstatus deliver: {problem}", run=_command_line(), code=1)
    count = len(delivery.recipients)
    print(f"Sent {delivery.subject} to {count} recipient{'s' if count != 1 else ''}")
    return 0


def _instance(args: argparse.Namespace, _extra: list[str], settings: Settings) -> int:
    from dagster_project.infra.instance import persistent_instance, prune_run_history

    with persistent_instance(settings) as instance:
        if args.prune:
            pruned = prune_run_history(instance, settings.run_retention_days)
            print(f"Pruned {pruned} finished run(s) older than {settings.run_retention_days} days")
    print(settings.dagster_home)
    return 0


def _serve(args: argparse.Namespace, _extra: list[str], settings: Settings) -> int:
    from dagster_project.infra import dbt_server
    from dagster_project.infra.instance import create_storage, instance_env
    from dagster_project.service.supervisor import Supervisor, programs

    create_storage(settings)
    logs = _log_file(settings).parent
    print(
        f"Dagster UI: http://{args.host}:{args.dagster_port}\n"
        f"App:        http://{args.host}:{args.app_port}\n"
        f"Instance:   {settings.dagster_home}\nLogs:       {logs}",
        flush=True,
    )
    workspace = REPO_ROOT / "deploy" / "workspace.yaml"
    # One dbt server for every run the daemon launches: they inherit its name with the
    # environment, and each dbt build forks from it instead of importing dbt (1.2 s).
    with dbt_server.started():
        supervisor = Supervisor(
            programs(args.host, args.dagster_port, args.app_port, workspace),
            env={**os.environ, **instance_env(settings)},
            cwd=REPO_ROOT,
            logs=logs,
        )
        return supervisor.serve()


def _app(_args: argparse.Namespace, extra: list[str], _settings: Settings) -> int:
    from streamlit.web import cli as streamlit_cli

    script = REPO_ROOT / "app" / "streamlit_app.py"
    sys.argv = ["streamlit", "run", str(script), *extra]
    return streamlit_cli.main()


if __name__ == "__main__":
    sys.exit(main())
