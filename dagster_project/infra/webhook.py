"""Failure alerts: a JSON message POSTed to a chat webhook (DRIFTSSTATUS_ALERT_WEBHOOK).

The message carries a Slack/Teams-style `text` line, so common chat webhooks
accept it as it is, and the details as fields for anything that reads them.
"""

import http.client
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ATTEMPTS = 3
TIMEOUT = 5.0  # seconds per attempt: a dead webhook must not hold up the failing run for long
RETRY_DELAY = 0.5  # seconds before the second attempt, doubled before the third


def send_alert(url: str, payload: dict) -> None:
    """POST `payload` as JSON to `url`, up to three attempts.

    Never raises: an alert that cannot be delivered is reported on stderr, and must
    neither change the exit code nor hide the failure it was about.
    """
    body = json.dumps(payload).encode("utf-8")
    for attempt in range(ATTEMPTS):
        problem, retry = _post(url, body)
        if problem is None:
            return
        if not retry or attempt == ATTEMPTS - 1:
            break
        time.sleep(RETRY_DELAY * 2**attempt)
    # The host only: a webhook URL's path is its secret.
    host = urllib.parse.urlsplit(url).netloc or "the webhook"
    print(
        f"driftsstatus: warning: the failure alert could not be delivered to {host}: {problem}",
        file=sys.stderr,
        flush=True,
    )


def _post(url: str, body: bytes) -> tuple[str | None, bool]:
    """(None, _) when delivered, else (what went wrong, whether another attempt may help)."""
    headers = {"Content-Type": "application/json"}
    try:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=TIMEOUT):
            return None, False
    except urllib.error.HTTPError as refused:
        return f"HTTP {refused.code} {refused.reason}", refused.code >= 500
    except (OSError, http.client.HTTPException) as lost:  # refused, timed out, cut off
        return str(lost) or type(lost).__name__, True
    except ValueError:  # not a URL at all (and its text would show the URL)
        return "not an http(s) URL", False


def failure_payload(
    summary: str,
    warehouse: Path,
    run: str = "driftsstatus run",
    failed_checks: Sequence[str] = (),
    failed_steps: Sequence[str] = (),
) -> dict:
    return {
        "text": " ".join(summary.split()),  # one line: chat clients preview the first
        "run": run,
        "failed_checks": list(failed_checks),
        "failed_steps": list(failed_steps),
        "warehouse": str(warehouse),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def summarise_failure(
    what: str, failed_checks: Sequence[str], failed_steps: Sequence[str], reason: str = ""
) -> str:
    """E.g. 'driftsstatus run failed: blocking checks failed: a, b; steps failed: c'."""
    found = []
    if failed_checks:
        found.append(f"blocking checks failed: {', '.join(failed_checks)}")
    if failed_steps:
        found.append(f"steps failed: {', '.join(failed_steps)}")
    return f"{what} failed: {'; '.join(found) or reason or 'see its log'}"
