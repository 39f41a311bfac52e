"""Settings are read at the entry points and passed down (issue 16): the Dagster
definitions take every resource and sensor interval from the settings handed to them,
and importing the code writes nothing into the environment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg

from dagster_project.definitions import definitions_for
from dagster_project.settings import load_settings
from tests.helpers import REPO_ROOT

SECRET = "s3cret-smtp-password"


def test_ops_the_definitions_take_every_resource_from_the_settings_passed_in(tmp_path: Path):
    warehouse = tmp_path / "w" / "warehouse.duckdb"
    settings = load_settings(
        {
            "DRIFTSSTATUS_WAREHOUSE": str(warehouse),
            "DRIFTSSTATUS_LANDING_DIR": str(tmp_path / "landing"),
            "DRIFTSSTATUS_AS_OF": "2024-02-01T00:00:00+01:00",
            "DRIFTSSTATUS_ALERT_WEBHOOK": "http://127.0.0.1:9/hook",
            "DRIFTSSTATUS_SENSOR_INTERVAL": "7",
            "DRIFTSSTATUS_RUN_RETENTION_DAYS": "12",
            "DRIFTSSTATUS_ALLOW_EMPTY": "changes",
            "DRIFTSSTATUS_SMTP_HOST": "127.0.0.1",
            "DRIFTSSTATUS_SMTP_USER": "driftsstatus",
            "DRIFTSSTATUS_SMTP_PASSWORD": SECRET,
            "DRIFTSSTATUS_REPORT_RECIPIENTS": "a@example.org,b@example.org",
        }
    )
    defs = definitions_for(settings)
    resources = defs.resources
    assert resources["duckdb"].database == str(warehouse)
    assert resources["landing"].path == str(tmp_path / "landing")
    assert resources["landing"].allow_empty == ["changes"]
    assert resources["serving"].path == str(warehouse.with_name("warehouse.serving.duckdb"))
    assert resources["dbt"].env["DRIFTSSTATUS_WAREHOUSE"] == str(warehouse)
    assert resources["dbt"].env["DRIFTSSTATUS_AS_OF"] == "2024-02-01T00:00:00+01:00"
    assert resources["run_history"].keep_days == 12
    assert resources["alerting"].webhook == "http://127.0.0.1:9/hook"
    mailer = resources["mailer"]
    assert (mailer.host, mailer.user, mailer.recipients) == (
        "127.0.0.1",
        "driftsstatus",
        ["a@example.org", "b@example.org"],
    )
    # The UI shows a resource's configuration: the password only by its variable's name.
    assert isinstance(mailer.password, dg.EnvVar)
    assert mailer.password.env_var_name == "DRIFTSSTATUS_SMTP_PASSWORD"
    assert SECRET not in repr(resources)
    intervals = {s.name: s.minimum_interval_seconds for s in defs.sensors}
    assert intervals == {"landing_files": 7, "build_after_load": 7, "alert_on_run_failure": 7}


def test_ops_importing_the_code_writes_nothing_into_the_environment():
    """Loading the definitions (as the daemon's code server does) and every package leaves
    the variables of our stack as they were: no PATH change, no settings written (a
    plotting library's own MPLBACKEND is not ours to judge)."""
    probe = (
        "import json, os, sys\n"
        "before = dict(os.environ)\n"
        "import dagster_project.cli, dagster_project.definitions as d\n"
        "import dagster_project.defs.dbt, dagster_project.defs.resources\n"
        "import app.shared\n"
        "d.defs()\n"
        "after = dict(os.environ)\n"
        "ours = ('PATH', 'DRIFTSSTATUS_', 'DAGSTER_', 'DBT_')\n"
        "print(json.dumps(sorted(k for k in before.keys() | after.keys()"
        " if k.startswith(ours) and before.get(k) != after.get(k))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
