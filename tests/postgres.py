"""A real PostgreSQL server for a test: Debian's `postgresql` package (installed by `make
test`), a fresh cluster in a temporary folder, listening on 127.0.0.1 only."""

from __future__ import annotations

import os
import pwd
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2

from tests.processes import free_port, running

USER = "driftsstatus"
DATABASE = "dagster"
# PostgreSQL refuses to run as root: a root test runs it as Debian's `postgres` user.
SERVICE_ACCOUNT = "postgres"


def _bin_dir() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    assert versions, "Debian's postgresql missing: run `make test` (installs it)"
    return versions[-1]


def _as_owner(args: list[str]) -> list[str]:
    return ["runuser", "-u", SERVICE_ACCOUNT, "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_server() -> Iterator[str]:
    """A running server with an empty database; its URL. Stopped (and checked gone) after."""
    # Not under pytest's tmp_path: the service account cannot enter root's private folder.
    with tempfile.TemporaryDirectory(prefix="driftsstatus-postgres-") as temporary:
        yield from _serve(Path(temporary))


def _serve(folder: Path) -> Iterator[str]:
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        account = pwd.getpwnam(SERVICE_ACCOUNT)
        for path in (folder, sockets):
            os.chown(path, account.pw_uid, account.pw_gid)
    binaries = _bin_dir()
    subprocess.run(
        _as_owner([str(binaries / "initdb"), "-D", str(data), "-U", USER, "--auth=trust"]),
        check=True,
        capture_output=True,
    )
    port = free_port()
    url = f"postgresql://{USER}@127.0.0.1:{port}/{DATABASE}"
    # SIGINT is PostgreSQL's "fast shutdown": what `running` sends first.
    with running(
        _as_owner([str(binaries / "postgres"), "-D", str(data), "-h", "127.0.0.1",
                   "-p", str(port), "-k", str(sockets)]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ) as server:  # fmt: skip
        _create_database(port, server)
        yield url


def _create_database(port: int, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = psycopg2.connect(host="127.0.0.1", port=port, user=USER, dbname="postgres")
            break
        except psycopg2.OperationalError:
            assert server.poll() is None, f"postgres exited with {server.returncode}"
            assert time.monotonic() < deadline, f"postgres did not start within {timeout} s"
            time.sleep(0.2)
    connection.autocommit = True  # CREATE DATABASE runs outside a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"create database {DATABASE}")
    finally:
        connection.close()
