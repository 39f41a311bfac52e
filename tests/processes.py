"""Long-running processes in tests: started tagged, always stopped, checked gone.

A server such as `dg dev` starts children of its own (webserver, daemon, code servers), some
in a session of their own, and may ignore SIGTERM for a long time. So `running` starts the
server in a new session with a unique marker in its environment, which every descendant
inherits, and on leaving the block, pass or fail:

1. sends SIGINT to the process group, as Ctrl-C does, and gives everything carrying the
   marker a grace period to stop by itself;
2. SIGKILLs the process group and every process still carrying the marker, wherever it is;
3. fails the test, naming them, if any process with the marker is left.

SIGTERM is never used: it is what a server may ignore.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

MARKER = "DRIFTSSTATUS_TEST_PROCESS"
GRACE = 10.0  # seconds a server gets to stop on SIGINT before it is killed
GONE_WITHIN = 60.0  # seconds killed processes get to disappear: a busy machine is slow
POLL = 0.1


@contextmanager
def running(
    args: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    grace: float = GRACE,
    **popen,
) -> Iterator[subprocess.Popen]:
    """`subprocess.Popen(args, ...)` for the block; no process of it outlives the block.

    `env` defaults to this process's environment; other keyword arguments (stdin, stdout,
    stderr, text, ...) go to Popen as they are.
    """
    tag = uuid.uuid4().hex
    process = subprocess.Popen(
        args,
        cwd=cwd,
        env={**(os.environ if env is None else env), MARKER: tag},
        start_new_session=True,  # its own process group, away from pytest's Ctrl-C
        **popen,
    )
    try:
        yield process
    finally:
        try:
            _signal_group(process.pid, signal.SIGINT)
            deadline = time.monotonic() + grace
            while _marked(tag) and time.monotonic() < deadline:
                time.sleep(POLL)
            # The group also holds children that dropped the marker from their environment.
            _signal_group(process.pid, signal.SIGKILL)
            _kill_marked(tag)
            process.wait()
        finally:
            for stream in (process.stdin, process.stdout, process.stderr):
                if stream is not None:
                    with suppress(OSError):  # unread or unflushed data is of no use now
                        stream.close()


def _signal_group(pgid: int, signum: int) -> None:
    # The group is gone once its last member has exited.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _kill_marked(tag: str) -> None:
    """SIGKILL every process carrying the marker until none is left, or fail naming them."""
    deadline = time.monotonic() + GONE_WITHIN
    while pids := _marked(tag):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"processes left behind after SIGKILL ({MARKER}={tag}):\n"
                + "\n".join(f"  {pid}: {_command(pid)}" for pid in pids)
            )
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(POLL)


def _marked(tag: str) -> list[int]:
    """The live processes whose environment carries MARKER=tag.

    A zombie has no environment left to read: it counts as gone (its parent or init reaps it).
    """
    needle = f"\0{MARKER}={tag}\0".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:  # vanished meanwhile, or not ours to read
            continue
        if needle in b"\0" + environ:
            pids.append(int(entry))
    return pids


def children_running(module: str, parent: int | None = None) -> list[int]:
    """The live children of `parent` (this process) whose command line names `module` (a
    helper process such as the GX worker or the dbt server, or a fork of one)."""
    parent = parent or os.getpid()
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):  # vanished meanwhile
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if (
                fields[0] != "Z"
                and int(fields[1]) == parent
                and module in _command(int(stat.parent.name))
            ):
                found.append(int(stat.parent.name))
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "(gone)"


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, timeout: float = 300) -> bytes:
    """Poll `url` until it answers 200; its body. Fails if the server exits first or
    `timeout` passes: a deadline only for a server that never comes up (a busy machine
    starts one slowly)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"{server.args[0]} exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:
                if answer.status == 200:
                    return answer.read()
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"nothing answered on {url} within {timeout} s")
