"""The monthly report by e-mail: composed, sent over SMTP, and every delivery recorded.

A published month sends its frozen report, any other month the draft computed from the
serving copy; the subject says which. Each delivery, sent or failed, is appended to
`audit.report_deliveries`, so none is lost silently.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from dagster_project.report import danish
from dagster_project.report.model import Report, build_report, parse_month
from dagster_project.report.published import Publication, publications, published_report
from dagster_project.report.render import MEDIA_TYPES, file_name, render
from dagster_project.settings import Mail
from dagster_project.timeline import LOCAL_ZONE

ATTEMPTS = 3
TIMEOUT = 10.0  # seconds per SMTP operation: a dead server must not hold the run for long
RETRY_DELAY = 0.5  # seconds before the second attempt, doubled before the third
ATTACHED = ("pdf", "xlsx")
DRAFT = "draft"  # the report id recorded for a month that is not published
SENT, FAILED = "sent", "failed"

SCHEMA = """
create schema if not exists audit;
create table if not exists audit.report_deliveries (
    delivered_at timestamptz not null,  -- when the last attempt ended
    month date not null,
    report_id varchar not null,         -- the published report's id, or 'draft'
    status varchar not null,            -- 'sent' | 'failed'
    attempts integer not null,
    subject varchar not null,
    sender varchar not null,
    recipients varchar[] not null,
    attachments struct(name varchar, sha256 varchar)[] not null,
    smtp_server varchar not null,       -- host:port
    error varchar,                      -- what went wrong, null when sent
    requested_by varchar not null       -- the command line or the Dagster run
);
"""


class DeliveryFailed(Exception):
    """The report could not be delivered (and that was recorded); the message is one line.

    `retry` says whether trying again later may help (a busy or unreachable server), as
    opposed to a refusal (bad credentials, unknown recipients).
    """

    def __init__(self, message: str, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True)
class Delivery:
    """One row of audit.report_deliveries."""

    delivered_at: datetime
    month: date
    report_id: str
    status: str
    attempts: int
    subject: str
    sender: str
    recipients: tuple[str, ...]
    attachments: tuple[tuple[str, str], ...]  # (file name, sha256)
    smtp_server: str
    error: str | None
    requested_by: str


@dataclass(frozen=True)
class _Problem:
    text: str
    retry: bool


def deliver_report(
    con: duckdb.DuckDBPyConnection,
    serving: Path,
    month: str | date,
    mail: Mail,
    requested_by: str,
) -> Delivery:
    """E-mail the report of `month`, read from the serving copy, to `mail.recipients`.

    The delivery is recorded through `con`, a connection to the warehouse that the
    caller opened under its write lock; a failed one is recorded, then raised as
    `DeliveryFailed`.
    """
    publication, report = report_to_send(serving, month)
    message = compose(report, publication, mail)
    attempts, problem = _send(message, mail)
    server = f"{mail.host}:{mail.port}"
    delivery = Delivery(
        delivered_at=datetime.now(UTC),
        month=report.month,
        report_id=publication.report_id if publication else DRAFT,
        status=FAILED if problem else SENT,
        attempts=attempts,
        subject=message["Subject"],
        sender=mail.sender,
        recipients=mail.recipients,
        attachments=tuple(
            (part.get_filename(), hashlib.sha256(part.get_content()).hexdigest())
            for part in message.iter_attachments()
        ),
        smtp_server=server,
        error=_as_recorded(problem.text, mail.password) if problem else None,
        requested_by=requested_by,
    )
    record_delivery(con, delivery)
    if problem:
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        raise DeliveryFailed(
            f"could not deliver {delivery.subject!r} via {server} ({tries}): {delivery.error}",
            retry=problem.retry,
        )
    return delivery


def report_to_send(serving: Path, month: str | date) -> tuple[Publication | None, Report]:
    """(publication, its frozen report) for a published month, else (None, the draft)."""
    month = parse_month(month)
    if any(p.month == month for p in publications(serving)):
        return published_report(serving, month)
    return None, build_report(serving, month)


def compose(report: Report, publication: Publication | None, mail: Mail) -> EmailMessage:
    """The e-mail in Danish: the verdict of every area, the PDF and XLSX attached."""
    attachments = {fmt: (file_name(report, fmt), render(report, fmt)) for fmt in ATTACHED}
    message = EmailMessage()
    message["Subject"] = subject_of(report, publication)
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.recipients)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or mail.host)
    message.set_content(body_of(report, publication, [name for name, _ in attachments.values()]))
    for fmt, (name, content) in attachments.items():
        maintype, subtype = MEDIA_TYPES[fmt].split("/")
        message.add_attachment(content, maintype, subtype, filename=name)
    return message


def subject_of(report: Report, publication: Publication | None) -> str:
    """'Driftsstatus januar 2024', or 'Driftsstatus januar 2024 (kladde)' for a draft."""
    subject = f"{report.title} {danish.month_name(report.month)}"
    return subject if publication else f"{subject} (kladde)"


def body_of(report: Report, publication: Publication | None, attached: list[str]) -> str:
    if publication:
        as_of = publication.as_of.astimezone(ZoneInfo(LOCAL_ZONE))
        status = (
            f"Offentliggjort rapport {publication.report_id}, opgjort pr. "
            f"{danish.day_and_month(as_of)} kl. {as_of:%H:%M}."
        )
    else:
        status = "Kladde: rapporten er ikke offentliggjort, og tallene kan endnu ændre sig."
    lines = [f"{report.title} for {danish.month_name(report.month)}", "", status, ""]
    lines += [f"{area.name}: {area.verdict}" for area in report.areas]
    lines += ["", f"Vedhæftet: {danish.join_words(attached)}."]
    return "\n".join(lines) + "\n"


def _send(message: EmailMessage, mail: Mail) -> tuple[int, _Problem | None]:
    """(attempts made, what went wrong in the last, or None when sent)."""
    attempt = 1
    while (problem := _attempt(message, mail)) and problem.retry and attempt < ATTEMPTS:
        time.sleep(RETRY_DELAY * 2 ** (attempt - 1))
        attempt += 1
    return attempt, problem


def _attempt(message: EmailMessage, mail: Mail) -> _Problem | None:
    # smtplib's errors are OSErrors: the SMTP ones are told apart first.
    try:
        with smtplib.SMTP(mail.host, mail.port, timeout=TIMEOUT) as smtp:
            if mail.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if mail.user:
                smtp.login(mail.user, mail.password or "")
            refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as problem:
        codes = [code for code, _ in problem.recipients.values()]
        return _Problem(f"recipients refused: {_refusals(problem.recipients)}", min(codes) < 500)
    except smtplib.SMTPResponseException as problem:  # 4xx: try again; 5xx: refused
        text = problem.smtp_error.decode("utf-8", "replace")
        return _Problem(f"the server answered {problem.smtp_code} {text}", problem.smtp_code < 500)
    except smtplib.SMTPServerDisconnected as problem:
        return _Problem(f"the server closed the connection: {problem}", True)
    except smtplib.SMTPException as problem:  # e.g. no STARTTLS, no AUTH method in common
        return _Problem(str(problem), False)
    except ssl.SSLCertVerificationError as problem:
        return _Problem(f"TLS certificate not trusted: {problem.verify_message}", False)
    except OSError as problem:  # refused, timed out, cut off
        return _Problem(problem.strerror or str(problem) or type(problem).__name__, True)
    if refused:  # the others have it: another attempt would send them a second copy
        return _Problem(f"recipients refused: {_refusals(refused)}", False)
    return None


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(
        f"{address} ({code} {text.decode('utf-8', 'replace')})"
        for address, (code, text) in refused.items()
    )


def _as_recorded(text: str, password: str | None) -> str:
    """One line (a server's answer may have several), the password blanked should a
    server echo it: the error goes into the warehouse and the alert."""
    line = " ".join(text.split())
    return line.replace(password, "***") if password else line


def record_delivery(con: duckdb.DuckDBPyConnection, delivery: Delivery) -> None:
    """Append the delivery to audit.report_deliveries (creating the table if missing)."""
    con.execute(SCHEMA)
    con.execute(
        "insert into audit.report_deliveries values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            delivery.delivered_at,
            delivery.month,
            delivery.report_id,
            delivery.status,
            delivery.attempts,
            delivery.subject,
            delivery.sender,
            list(delivery.recipients),
            [{"name": name, "sha256": digest} for name, digest in delivery.attachments],
            delivery.smtp_server,
            delivery.error,
            delivery.requested_by,
        ],
    )


def was_sent(con: duckdb.DuckDBPyConnection, month: str | date, requested_by: str) -> bool:
    """Whether `requested_by` has already sent the month's report (a retried run)."""
    con.execute(SCHEMA)
    (count,) = con.execute(
        "select count(*) from audit.report_deliveries "
        "where month = ? and requested_by = ? and status = ?",
        [parse_month(month), requested_by, SENT],
    ).fetchone()
    return count > 0
