"""`driftsstatus serve`: start the Dagster daemon, the Dagster webserver and the Streamlit
app, restart one that crashes, and stop them all on SIGTERM or SIGINT.

Each program runs in a process group of its own (the webserver and daemon start code
servers of their own): a stop signals the whole group, and kills what is left of it
when the grace period is over, so nothing outlives `serve`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

POLL = 0.5  # seconds between checks on the programs
# Seconds the programs get to stop by themselves after a stop signal, before they are
# killed: all are gone within 10 s of the signal (systemd's default wait is 90 s).
KILL_AFTER = 7.0
FIRST_BACKOFF, MAX_BACKOFF = 1.0, 60.0  # seconds before a crashed program is restarted
STEADY = 60.0  # seconds up after which a program's backoff starts again from the first


@dataclass(frozen=True)
class Program:
    name: str  # also its log file's name: data/logs/<name>.log
    args: Sequence[str]


@dataclass
class _Running:
    program: Program
    process: subprocess.Popen | None = None
    log: TextIO | None = None
    started: float = 0.0
    backoff: float = FIRST_BACKOFF
    restart_at: float = 0.0


class Supervisor:
    def __init__(
        self, programs: Sequence[Program], env: Mapping[str, str], cwd: Path, logs: Path
    ) -> None:
        self.env, self.cwd, self.logs = dict(env), cwd, logs
        self.running = [_Running(program) for program in programs]
        self.stopping: str | None = None  # the signal's name, once one came

    def serve(self) -> int:
        """Run until SIGTERM or SIGINT; 0 once everything has stopped."""
        self.logs.mkdir(parents=True, exist_ok=True)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        try:
            for entry in self.running:
                self._start(entry)
            while not self.stopping:
                self._watch()
                time.sleep(POLL)
        finally:
            self._stop_all()
        return 0

    def _on_signal(self, signum: int, _frame) -> None:
        self.stopping = signal.Signals(signum).name

    def _start(self, entry: _Running) -> None:
        if entry.log is None:
            entry.log = (self.logs / f"{entry.program.name}.log").open("a", encoding="utf-8")
        entry.process = subprocess.Popen(
            list(entry.program.args),
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=entry.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        entry.started = time.monotonic()
        self._say(f"started {entry.program.name} (pid {entry.process.pid})")

    def _watch(self) -> None:
        """Restart each program that exited, after its backoff."""
        now = time.monotonic()
        for entry in self.running:
            if entry.process is not None:
                code = entry.process.poll()
                if code is None:
                    continue
                if now - entry.started > STEADY:
                    entry.backoff = FIRST_BACKOFF
                entry.restart_at = now + entry.backoff
                self._say(
                    f"{entry.program.name} exited with {code}; restarting in {entry.backoff:g} s"
                )
                entry.backoff = min(entry.backoff * 2, MAX_BACKOFF)
                entry.process = None
            elif now >= entry.restart_at:
                self._start(entry)

    def _stop_all(self) -> None:
        live = [e for e in self.running if e.process is not None and e.process.poll() is None]
        self._say(
            f"stopping ({self.stopping or 'exit'}): {', '.join(e.program.name for e in live)}"
        )
        for entry in live:
            _signal_group(entry.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + KILL_AFTER
        while time.monotonic() < deadline and any(_group_alive(e.process.pid) for e in live):
            for entry in live:
                entry.process.poll()  # reap the leader as soon as it exits
            time.sleep(0.1)
        for entry in live:
            if _group_alive(entry.process.pid):
                self._say(f"{entry.program.name} did not stop in {KILL_AFTER:g} s: killed")
                _signal_group(entry.process.pid, signal.SIGKILL)
        for entry in live:
            entry.process.wait()
        for entry in self.running:
            if entry.log is not None:
                entry.log.close()
        self._say("stopped")

    def _say(self, message: str) -> None:
        line = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC serve: {message}"
        print(line, flush=True)
        with (self.logs / "serve.log").open("a", encoding="utf-8") as log:
            log.write(line + "\n")


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(pgid, signum)


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group is left (a zombie leader counts as gone)."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return any(_in_group(pid, pgid) for pid in _pids())


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _in_group(pid: int, pgid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    state, group = fields[0], int(fields[2])
    return group == pgid and state != "Z"


def programs(host: str, dagster_port: int, app_port: int, workspace: Path) -> list[Program]:
    """The three programs of `serve`, from this environment's executables."""
    bin_dir = Path(sys.executable).parent
    daemon = [str(bin_dir / "dagster-daemon"), "run", "-w", str(workspace)]
    webserver = [str(bin_dir / "dagster-webserver"), "-w", str(workspace)]
    webserver += ["-h", host, "-p", str(dagster_port)]
    app = [sys.executable, "-m", "dagster_project.cli", "app"]
    app += ["--server.address", host, "--server.port", str(app_port)]
    return [
        Program("dagster-daemon", daemon),
        Program("dagster-webserver", webserver),
        Program("app", app),
    ]
