"""`driftsstatus-dbt`: dbt's command line, whose saved parse (partial_parse.msgpack) names
neither the warehouse file nor the reference folder, so a new warehouse, a publish's
scratch copy or a scaled sample's warehouse starts from the project's parse instead of
parsing the whole project again (a quarter of a build's CPU).

dbt throws its saved parse away when a hash of the profile's connection settings changes,
and that hash includes the DuckDB file's path, which is different for every warehouse.
Here it leaves the path out and keeps the rest, the database name (the file's stem, which
the parsed nodes carry) included. The path itself is never read while parsing: no model
or macro of the project uses `target.path`.

dbt also throws it away when an environment variable that dbt_project.yml reads changes,
and DRIFTSSTATUS_SEED_PATH (the reference folder, settings.dbt_seed_path) is one. Left
out of that hash, another folder's seed files would show up as deleted and added, and
dbt parses again every node that refers to a deleted one (every model on the reference
data, 1 s and more). Here a seed file of the same name in the new folder is the saved
one moved: dbt parses it again as a changed file, its node and tests only, and yields
the manifest a full parse gives (tests/test_dbt_parse.py). One dbt 1.11 slip is stepped
around: when a seed goes, the tests of other seeds that refer to it have their seed file
re-parsed, even when that file has gone too (a KeyError, then a full parse); a file that
has gone is removed with its nodes anyway.

dbt_common names the module behind each behaviour flag of the adapter by reading the
source lines of every frame on the stack (inspect.stack(), for each flag, whether or not
the flag names its source: 0.1-0.2 s of every command's start); here it asks each frame
for its module as dbt does, without reading any source.

And dbt makes every event it fires into log lines, debug events too, before its logs'
levels drop them: here only for a log that keeps them (infra/dbt_events.py). Its Jinja
templates are compiled once, not in every process (infra/jinja_code.py,
infra/code_cache.py), its threads take the longest chain of nodes first
(infra/critical_path.py), a test of a derived table holds back no model
(infra/test_gates.py), and a query result's agate types are tested by one type tester
per set of text columns, not a new one per result (infra/agate_types.py)."""

import inspect
import pprint
import sys
from collections.abc import Callable
from typing import NoReturn

from dbt.cli.main import cli
from dbt.contracts.files import FileHash, ParseFileType
from dbt.contracts.graph.manifest import ManifestStateCheck
from dbt.parser.manifest import ManifestLoader
from dbt.parser.partial import PartialParsing
from dbt_common import behavior_flags

from dagster_project.infra import (
    agate_types,
    code_cache,
    critical_path,
    dbt_events,
    jinja_code,
    schema_cache,
    test_gates,
)
from dagster_project.infra.dbt_patch import replace_methods
from dagster_project.infra.fast_exit import exit_now
from dagster_project.settings import SEED_PATH_VARIABLE

_dbt: dict[str, Callable] = {}  # dbt's own methods, once replaced


def _state_check_without_paths(self: ManifestLoader) -> ManifestStateCheck:
    check = _dbt["build_manifest_state_check"](self)
    # Both as dbt hashes them, less the warehouse path and the seed path.
    connection = sorted(
        (key, value)
        for key, value in self.root_project.credentials.connection_info()
        if key != "path"
    )
    check.profile_hash = FileHash.from_contents(pprint.pformat(connection))
    env_vars = self.root_project.project_env_vars
    check.project_env_vars_hash = FileHash.from_contents(
        "".join(f"{key}:{env_vars[key]}|" for key in sorted(env_vars) if key != SEED_PATH_VARIABLE)
    )
    return check


def _with_moved_seeds(self: PartialParsing, saved_manifest, new_files) -> None:
    _move_seed_files(saved_manifest.files, new_files)
    _dbt["__init__"](self, saved_manifest, new_files)


def _move_seed_files(saved: dict, new: dict) -> None:
    """Each new seed file that the saved parse has under another folder (the same project
    and name) takes the saved file's place, its checksum cleared: dbt then parses it as a
    changed file, not the old one as deleted."""
    gone = {
        (f.project_name, f.path.relative_path): file_id
        for file_id, f in saved.items()
        if f.parse_file_type == ParseFileType.Seed and file_id not in new
    }
    for file_id, f in new.items():
        if f.parse_file_type != ParseFileType.Seed or file_id in saved:
            continue
        if moved_from := gone.get((f.project_name, f.path.relative_path)):
            moved = saved.pop(moved_from)
            moved.checksum = FileHash.empty()
            saved[file_id] = moved


def _update_in_saved_unless_gone(self: PartialParsing, file_id: str) -> None:
    if file_id in self.new_files:
        _dbt["update_in_saved"](self, file_id)


def calling_module() -> str:
    """dbt_common's default source of a behaviour flag: the module of the first frame on
    the stack that has one (a file), other than its behavior_flags module."""
    frame = sys._getframe(1)
    while frame is not None:
        if (module := inspect.getmodule(frame)) and module.__name__ != behavior_flags.__name__:
            return module.__name__
        frame = frame.f_back
    return "Unknown"


def install() -> None:
    """The replacements above, once per process."""
    replace_methods(
        _dbt,
        {
            (ManifestLoader, "build_manifest_state_check"): _state_check_without_paths,
            (PartialParsing, "__init__"): _with_moved_seeds,
            (PartialParsing, "update_in_saved"): _update_in_saved_unless_gone,
            (behavior_flags.BehaviorFlagRendered, "_default_source"): staticmethod(calling_module),
        },
    )


def main() -> NoReturn:
    install()
    agate_types.install()
    dbt_events.install()
    jinja_code.install()
    schema_cache.install()
    critical_path.install()
    test_gates.install()
    try:
        cli()  # click: always exits
    except SystemExit as done:
        code_cache.save()
        schema_cache.save()
        exit_now(done.code)
