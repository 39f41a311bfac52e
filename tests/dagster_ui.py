"""The Dagster webserver's GraphQL API, as the tests read it."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request

STATES = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
  schedules { name scheduleState { status } }
  sensors { name sensorState { status } } } } } }"""


def graphql(url: str, query: str) -> dict:
    """The `data` of a query to the webserver at `url`."""
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)["data"]


def schedule_and_sensor_states(
    url: str, server: subprocess.Popen, timeout: float = 300
) -> dict[str, str]:
    """The schedules' and sensors' states, once the UI has loaded the code location.

    Starting the webserver, daemon and code server takes a while on a busy machine: poll,
    with a deadline only for a server that never comes up.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            (repository,) = graphql(url, STATES)["repositoriesOrError"]["nodes"]
            break
        except (OSError, KeyError, TypeError, ValueError):
            assert server.poll() is None, f"{server.args[0]} exited with {server.returncode}"
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    states = {s["name"]: s["scheduleState"]["status"] for s in repository["schedules"]}
    states |= {s["name"]: s["sensorState"]["status"] for s in repository["sensors"]}
    return states
