"""`driftsstatus-dbt`: dbt's command line, whose saved parse (partial_parse.msgpack) does not
name the warehouse file, so a new warehouse or a publish's scratch copy starts from the
project's parse instead of parsing the whole project again (a quarter of a build's CPU).

dbt throws its saved parse away when a hash of the profile's connection settings changes,
and that hash includes the DuckDB file's path, which is different for every warehouse.
Here it leaves the path out and keeps the rest, the database name (the file's stem, which
the parsed nodes carry) included. The path itself is never read while parsing: no model
or macro of the project uses `target.path`."""

import pprint

from dbt.cli.main import cli
from dbt.contracts.files import FileHash
from dbt.contracts.graph.manifest import ManifestStateCheck
from dbt.parser.manifest import ManifestLoader

_dbt_state_check = ManifestLoader.build_manifest_state_check


def _state_check_without_path(self: ManifestLoader) -> ManifestStateCheck:
    check = _dbt_state_check(self)
    # As dbt hashes them (sorted key-value pairs), less the path.
    connection = sorted(
        (key, value)
        for key, value in self.root_project.credentials.connection_info()
        if key != "path"
    )
    check.profile_hash = FileHash.from_contents(pprint.pformat(connection))
    return check


def main() -> None:
    ManifestLoader.build_manifest_state_check = _state_check_without_path
    cli()
