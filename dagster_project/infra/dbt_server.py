"""dbt, imported ahead: a process that imports dbt while a command does other work, then
forks one child per dbt command (`driftsstatus-dbt`) that starts with dbt loaded.

A dbt process spends about 1.3 s of one core importing dbt (its dataclasses compile
their serialisers as they are defined) before it reads a file, and 0.3 s more building
the JSON schemas it validates its settings against (read from a cache instead:
infra/schema_cache.py). `publish` and `report --recompute`
open `started()` first, `driftsstatus run` once Dagster has started (pipeline/run.py):
the server imports dbt on another core while the command loads and validates. Then
`driftsstatus-dbt` (infra/dbt_entry.py) hands the server its command line,
environment, working folder and standard streams (over an abstract Unix socket, the
streams as file descriptors) and waits for the exit code of the child, which is dbt's
own command line as `driftsstatus-dbt` would run it.

`driftsstatus serve` keeps one for as long as it runs: the runs its daemon launches
inherit the server's name, and their dbt commands (a build, the definitions' `dbt
parse`) may overlap, so each is served in a process of its own, which forks dbt.

Forking is safe because the server has only imported (and built those schemas, which
dbt keeps per class): no connection, no thread (it checks, and serves nobody
otherwise). It serves only its own user. A command that finds no server runs dbt
itself.
"""

from __future__ import annotations

import os
import pickle
import secrets
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress

SERVER_VARIABLE = "DRIFTSSTATUS_DBT_SERVER"
_NUMBER = struct.Struct("!q")  # a length, a process id or an exit code
_PEER = struct.Struct("3i")  # the caller's pid, uid and gid, as the kernel tells them
_STREAMS = (0, 1, 2)
# What a dbt build imports only once it runs (imported here, they are the children's).
_COMMAND_MODULES = (
    "dbt.adapters.duckdb",
    "dbt.adapters.factory",
    "dbt.compilation",
    "dbt.graph.thread_pool",
    "dbt.parser.manifest",
    "dbt.parser.sql",
    "dbt.runners",
    "dbt.task.build",
    "dbt_common.clients.agate_helper",
    "sqlparse",
)


@contextmanager
def started() -> Iterator[None]:
    """A dbt server for the dbt commands this process starts inside the block (they find
    it through SERVER_VARIABLE); stopped at its end."""
    # An abstract socket (Linux): no file that a killed command would leave behind. It
    # serves only this user (_run_one checks the caller's credentials).
    name = f"driftsstatus-dbt-{os.getpid()}-{secrets.token_hex(8)}"
    # Listening before the server has even started: a command never finds no one there.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(_address(name))
        listener.listen()
        server = subprocess.Popen(
            # Not `-m`: dbt's usage messages name the program after how __main__ started.
            [sys.executable, "-c", f"from {__name__} import serve; serve({listener.fileno()})"],
            stdin=subprocess.PIPE,  # closed when this process ends: the server ends too
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=[listener.fileno()],
        )
    # Only the server holds the socket now: if it ends, commands find no one and run dbt.
    before = os.environ.get(SERVER_VARIABLE)
    os.environ[SERVER_VARIABLE] = name
    try:
        yield
    finally:
        if before is None:
            del os.environ[SERVER_VARIABLE]
        else:
            os.environ[SERVER_VARIABLE] = before
        server.kill()
        server.wait()
        server.stdin.close()


def run_in_server(name: str) -> int | None:
    """This process's dbt command run by the server `name`: dbt's exit code, or None when
    no server took it (none listens there, or it ended before starting dbt)."""
    request = pickle.dumps((sys.argv, dict(os.environ), os.getcwd()))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(_address(name))
            socket.send_fds(connection, [_NUMBER.pack(len(request))], list(_STREAMS))
            connection.sendall(request)
            child = _receive_number(connection)
        except (OSError, EOFError):
            return None
        # Ctrl-C, or Dagster stopping the run, reaches dbt as it would without a server.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, _frame: os.kill(child, signum))
        try:
            code = _receive_number(connection)
        except (OSError, EOFError):  # the server was killed
            print(
                f"driftsstatus-dbt: the dbt server ended while dbt ran ({child})", file=sys.stderr
            )
            return 1
    return code if code >= 0 else 128 - code  # killed by a signal: as a shell reports it


def _address(name: str) -> str:
    return "\0" + name  # Linux's abstract namespace


def _receive_number(connection: socket.socket) -> int:
    return _NUMBER.unpack(_receive(connection, _NUMBER.size))[0]


def _receive(connection: socket.socket, size: int, data: bytes = b"") -> bytes:
    """Exactly `size` bytes (`data` and what follows it); EOFError if the peer closes first."""
    while len(data) < size:
        if not (more := connection.recv(size - len(data))):
            raise EOFError
        data += more
    return data


def serve(listening: int) -> None:
    """The server, on the socket `started()` listens on (a command that comes early waits
    there): import dbt, then serve each command in a process of its own (a session,
    forked: `driftsstatus serve`'s runs and its definitions' `dbt parse` may overlap)
    until its starter ends."""
    listener = socket.socket(fileno=listening)
    from dagster_project.infra import collector, generated_code

    collector.pause()  # dbt's import makes what the server keeps (0.15 s of 1.2 s)

    generated_code.install()  # before dbt is imported (the code cache, read once for all)
    from dagster_project.infra import code_cache, dbt_main, jinja_code, schema_cache

    for module in _COMMAND_MODULES:
        __import__(module)
    schema_cache.install()
    _build_json_schemas()
    jinja_code.install()
    code_cache.save()  # what this import compiled anew, for the next process
    if not select.select([listener], [], [], 0)[0]:  # a waiting command goes first
        _compile_manifest_codecs()
        _build_parse_schemas()
    schema_cache.save()
    collector.resume()  # dbt's modules and schemas: never walked by a command's collector
    if threading.active_count() != 1:
        return  # a fork would copy a thread's half-made state: waiting commands run dbt
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # finished sessions go without a wait
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready:
            return  # its starter has gone
        connection, _ = listener.accept()
        with connection:
            if os.fork() == 0:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the session waits for dbt
                listener.close()
                with suppress(OSError, EOFError):  # a caller that went
                    _run_one(connection, dbt_main.main)
                os._exit(0)


def _build_json_schemas() -> None:
    """The JSON schemas every dbt build validates against (the project, its flags and
    packages, the profile and its DuckDB credentials, hooks, selectors, a column's
    constraint, a test's result). dbt builds each one the first time it is needed and
    keeps it with its class: built here once, they cost a forked command nothing (0.4 s
    of each command's start; mostly the serialisers of the schemas' default values)."""
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.artifacts.resources.v1.config import Hook
    from dbt.contracts.project import (
        Configuration,
        PackageConfig,
        ProfileConfig,
        Project,
        ProjectFlags,
    )
    from dbt.contracts.selection import SelectorFile
    from dbt.task.test import TestResultData
    from dbt_common.contracts.constraints import ColumnLevelConstraint

    for validated in (
        Project,
        ProjectFlags,
        PackageConfig,
        Configuration,
        ProfileConfig,
        DuckDBCredentials,
        Hook,
        SelectorFile,
        ColumnLevelConstraint,
        TestResultData,
    ):
        validated.json_schema()


def _build_parse_schemas() -> None:
    """The JSON schemas dbt validates each node it parses against (a model, a seed, a
    test, a hook, a source, a unit test, their configs and their YAML patches): built
    the first time a command parses a file of that kind, 0.5 s of a command that parses
    again (a changed model while developing; the seeds of a new warehouse with its own
    reference folder). Not while a command waits, as the manifest's codecs below."""
    from dbt.artifacts.resources.v1.components import Contract
    from dbt.artifacts.resources.v1.config import TestConfig
    from dbt.artifacts.resources.v1.model import ModelConfig
    from dbt.artifacts.resources.v1.seed import SeedConfig
    from dbt.artifacts.resources.v1.unit_test_definition import UnitTestConfig
    from dbt.contracts.graph.nodes import (
        GenericTestNode,
        HookNode,
        ModelNode,
        SeedNode,
        SingularTestNode,
    )
    from dbt.contracts.graph.unparsed import (
        UnparsedModelUpdate,
        UnparsedNodeUpdate,
        UnparsedSourceDefinition,
        UnparsedUnitTest,
    )

    for validated in (
        ModelConfig,
        ModelNode,
        Contract,
        TestConfig,
        SingularTestNode,
        GenericTestNode,
        SeedConfig,
        SeedNode,
        HookNode,
        UnparsedNodeUpdate,
        UnparsedModelUpdate,
        UnparsedSourceDefinition,
        UnparsedUnitTest,
        UnitTestConfig,
    ):
        validated.json_schema()


def _compile_manifest_codecs() -> None:
    """The code that reads and writes a manifest: dbt's dataclasses compile it the first
    time a manifest is read (from its saved parse), written and walked, for each kind of
    node in it. Done here on the project's saved parse, a command reads its warehouse's
    parse in 0.035 s instead of 0.19 s and builds its graph in 0.004 s instead of 0.07 s.
    Not while a command waits (a publication reaches dbt before the server has imported
    it): 0.3 s of the server's time, less than the command would save. Only the
    compiled code is kept; without a saved parse (or with one this dbt cannot
    read: dbt parses again then) the commands compile it themselves."""
    from dbt.contracts.graph.manifest import Manifest

    from dagster_project.infra.dbt_command import PROJECT_PARSE

    try:
        manifest = Manifest.from_msgpack(PROJECT_PARSE.read_bytes())
        manifest.to_msgpack()
        manifest.build_flat_graph()
    except Exception:  # a head start only: never worth a failed command
        return


def _run_one(connection: socket.socket, dbt) -> None:
    _, uid, _ = _PEER.unpack(
        connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEER.size)
    )
    if uid != os.getuid():
        return  # another user's command: it runs its own dbt
    header, streams, _, _ = socket.recv_fds(connection, _NUMBER.size, len(_STREAMS))
    (size,) = _NUMBER.unpack(_receive(connection, _NUMBER.size, header))
    request = _receive(connection, size)
    argv, environment, folder = pickle.loads(request)
    child = os.fork()
    if child == 0:
        try:
            connection.close()
            for target, stream in zip(_STREAMS, streams, strict=True):
                os.dup2(stream, target)
                os.close(stream)
            os.chdir(folder)
            os.environ.clear()
            os.environ.update(environment)
            sys.argv = argv
            dbt()  # exits
        except BaseException:
            traceback.print_exc()
        os._exit(70)  # only if dbt could not even start
    for stream in streams:
        os.close(stream)
    with suppress(OSError):  # a command that has gone still leaves its dbt to finish
        connection.sendall(_NUMBER.pack(child))
    _, status = os.waitpid(child, 0)
    with suppress(OSError):
        connection.sendall(_NUMBER.pack(os.waitstatus_to_exitcode(status)))
