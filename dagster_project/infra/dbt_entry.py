"""`driftsstatus-dbt`: dbt's command line (infra/dbt_main.py), run by the dbt server when
the command that started this one opened one (infra/dbt_server.py), else here."""

import os
from typing import NoReturn

from dagster_project.infra.dbt_server import SERVER_VARIABLE, run_in_server
from dagster_project.infra.fast_exit import exit_now


def entry() -> NoReturn:
    server = os.environ.get(SERVER_VARIABLE)  # the name of the server to ask, if any
    if server and (code := run_in_server(server)) is not None:
        exit_now(code)
    from dagster_project.infra import generated_code

    generated_code.install()  # before dbt is imported
    from dagster_project.infra.dbt_main import main  # imports dbt: 1.3 s

    main()
