"""The monthly report by e-mail, against a real SMTP server on 127.0.0.1 (aiosmtpd) that
requires STARTTLS and a login: what arrives, what is recorded, and that a failure is
retried, alerted and recorded."""

from __future__ import annotations

import hashlib
import io
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import dagster as dg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from openpyxl import load_workbook

from dagster_project.report import Report, build_report
from dagster_project.report.model import VERDICT_MET, VERDICT_MISSED
from dagster_project.settings import load_settings, serving_copy_of
from tests.helpers import chat_webhook, copy_warehouse, driftsstatus, pipeline_env, query
from tests.processes import free_port
from tests.test_publication import DECEMBER_AS_OF

SMTP_USER = "driftsstatus-smtp"
SMTP_PASSWORD = "s3cret-Adgangskode"
SENDER = "driftsstatus@kommune.example"
RECIPIENTS = ("driftsleder@kommune.example", "it-chef@kommune.example")
TRY_AGAIN = "451 4.3.0 Try again later"
JANUARY_DRAFT = "Driftsstatus januar 2024 (kladde)"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    over_tls: bool
    login: bytes | None


@dataclass
class Mailbox:
    """The server's handler: keeps every message; with `answer`, refuses them with it."""

    answer: str | None = None
    received: list[Received] = field(default_factory=list)
    data_commands: int = 0  # one per delivery attempt that got as far as sending

    async def handle_DATA(self, server, session, envelope) -> str:
        self.data_commands += 1
        if self.answer:
            return self.answer
        # As a mail client reads it: lines end in '\n', not the wire's CRLF.
        content = envelope.original_content.replace(b"\r\n", b"\n")
        message = message_from_bytes(content, policy=policy.default)
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message,
                session.ssl is not None,
                session.auth_data.login,
            )
        )
        return "250 2.0.0 OK"


def _check_login(server, session, envelope, _mechanism, auth_data) -> AuthResult:
    valid = isinstance(auth_data, LoginPassword) and auth_data == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    # handled=False: the server itself answers a bad login (535).
    return AuthResult(success=valid, handled=False, auth_data=auth_data)


@dataclass(frozen=True)
class Tls:
    cert: Path  # what the client is told to trust (SSL_CERT_FILE)
    server: ssl.SSLContext


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A self-signed certificate for 127.0.0.1, trusted by the client through SSL_CERT_FILE:
    certificate checking stays on, as in production."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    return Tls(cert_file, server)


@contextmanager
def smtp_server(tls: Tls, mailbox: Mailbox) -> Iterator[int]:
    """An SMTP server on 127.0.0.1 requiring STARTTLS, then AUTH; yields its port."""
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        server_hostname="mail.test",  # spares the greeting a DNS lookup
        tls_context=tls.server,
        require_starttls=True,
        authenticator=_check_login,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield controller.port
    finally:  # pass or fail, the server thread ends and lets go of its port
        controller.stop()


def _mail_env(tls: Tls, port: int, password: str = SMTP_PASSWORD) -> dict[str, str]:
    return {
        "DRIFTSSTATUS_SMTP_HOST": "127.0.0.1",
        "DRIFTSSTATUS_SMTP_PORT": str(port),
        "DRIFTSSTATUS_SMTP_STARTTLS": "true",
        "DRIFTSSTATUS_SMTP_USER": SMTP_USER,
        "DRIFTSSTATUS_SMTP_PASSWORD": password,
        "DRIFTSSTATUS_MAIL_FROM": SENDER,
        "DRIFTSSTATUS_REPORT_RECIPIENTS": " , ".join(RECIPIENTS),
        "SSL_CERT_FILE": str(tls.cert),
    }


@pytest.fixture
def copy(warehouse: Path, sample_run, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the sample warehouse with its serving copy, and the settings for it."""
    target = copy_warehouse(warehouse, tmp_path / "warehouse.duckdb", serving=True)
    _, env, _ = sample_run
    return target, pipeline_env(Path(env["DRIFTSSTATUS_LANDING_DIR"]), target)


def _attachments(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def _xlsx_figures(data: bytes) -> dict[str, list[str]]:
    """Each service row of the workbook: its figures shown as the report shows them."""
    sheet = load_workbook(io.BytesIO(data))["Driftsstatus"]
    return {
        row[0].value: [
            cell.value
            if isinstance(cell.value, str)
            else f"{cell.value * 100:.2f}%".replace(".", ",")
            for cell in row[2:]
        ]
        for row in sheet.iter_rows()
        if row[0].value and isinstance(row[1].value, float)
    }


def _report_figures(report: Report) -> dict[str, list[str]]:
    return {
        row.label: [cell.display for cell in row.cells]
        for area in report.areas
        for row in area.rows
    }


def _deliveries(warehouse: Path) -> list[tuple]:
    return query(
        warehouse,
        "select status, attempts, month::varchar, report_id, subject, sender, recipients, "
        "attachments, smtp_server, error, requested_by from audit.report_deliveries",
    )


def test_delivery_mails_the_january_draft_with_its_verdicts_and_both_files(tls, copy):
    warehouse, env = copy
    mailbox = Mailbox()
    with smtp_server(tls, mailbox) as port:
        result = driftsstatus("deliver", "--month", "2024-01", env={**env, **_mail_env(tls, port)})
    assert result.stdout == f"Sent {JANUARY_DRAFT} to 2 recipients\n"
    assert result.stderr == ""
    (received,) = mailbox.received
    assert (received.mail_from, received.rcpt_tos) == (SENDER, list(RECIPIENTS))
    assert received.over_tls
    assert received.login == SMTP_USER.encode()
    message = received.message
    assert message["Subject"] == JANUARY_DRAFT
    assert message["From"] == SENDER
    assert message["To"] == ", ".join(RECIPIENTS)
    report = build_report(serving_copy_of(warehouse), "2024-01")
    assert [(area.name, area.verdict) for area in report.areas] == [
        ("Støttesystemerne", VERDICT_MET),
        ("Serviceplatformen", VERDICT_MISSED),
    ]
    assert message.get_body(("plain",)).get_content() == (
        "Driftsstatus for januar 2024\n"
        "\n"
        "Kladde: rapporten er ikke offentliggjort, og tallene kan endnu ændre sig.\n"
        "\n"
        f"Støttesystemerne: {VERDICT_MET}\n"
        f"Serviceplatformen: {VERDICT_MISSED}\n"
        "\n"
        "Vedhæftet: driftsstatus-2024-01.pdf og driftsstatus-2024-01.xlsx.\n"
    )
    files = _attachments(message)
    assert list(files) == ["driftsstatus-2024-01.pdf", "driftsstatus-2024-01.xlsx"]
    assert files["driftsstatus-2024-01.pdf"].startswith(b"%PDF")
    figures = _xlsx_figures(files["driftsstatus-2024-01.xlsx"])
    assert figures == _report_figures(report)
    assert figures["SP produktionsmiljø m1"][-3:] == ["83,38%", "89,96%", "89,98%"]
    assert _deliveries(warehouse) == [
        (
            "sent",
            1,
            "2024-01-01",
            "draft",
            JANUARY_DRAFT,
            SENDER,
            list(RECIPIENTS),
            [
                {"name": name, "sha256": hashlib.sha256(content).hexdigest()}
                for name, content in files.items()
            ],
            f"127.0.0.1:{port}",
            None,
            "driftsstatus deliver --month 2024-01",
        )
    ]


def test_delivery_sends_the_frozen_report_of_a_published_month(tls, copy):
    warehouse, env = copy
    driftsstatus("publish", "--month", "2023-12", "--as-of", DECEMBER_AS_OF, env=env)
    mailbox = Mailbox()
    with smtp_server(tls, mailbox) as port:
        result = driftsstatus("deliver", "--month", "2023-12", env={**env, **_mail_env(tls, port)})
    assert result.stdout == "Sent Driftsstatus december 2023 to 2 recipients\n"
    (received,) = mailbox.received
    message = received.message
    assert message["Subject"] == "Driftsstatus december 2023"
    body = message.get_body(("plain",)).get_content()
    assert "Offentliggjort rapport 2023-12#1, opgjort pr. 4. januar 2024 kl. 08:00.\n" in body
    december = _xlsx_figures(_attachments(message)["driftsstatus-2023-12.xlsx"])
    # As published, before the late SF1525 incident version; the data now says 89,96%.
    assert december["SP produktionsmiljø m1"][-2:] == ["84,35%", "97,78%"]
    now = _report_figures(build_report(serving_copy_of(warehouse), "2023-12"))
    assert now["SP produktionsmiljø m1"][-2:] == ["83,38%", "89,96%"]
    [delivery] = _deliveries(warehouse)
    assert delivery[:5] == ("sent", 1, "2023-12-01", "2023-12#1", "Driftsstatus december 2023")


def test_a_failing_server_is_tried_three_times_then_alerted_and_recorded(tls, copy):
    warehouse, env = copy
    mailbox = Mailbox(answer=TRY_AGAIN)
    with chat_webhook() as webhook, smtp_server(tls, mailbox) as port:
        env = {**env, **_mail_env(tls, port), "DRIFTSSTATUS_ALERT_WEBHOOK": webhook.url}
        result = driftsstatus("deliver", "--month", "2024-01", env=env, check=False)
    assert result.returncode == 1
    assert mailbox.data_commands == 3
    assert mailbox.received == []
    expected = (
        f"driftsstatus deliver: could not deliver '{JANUARY_DRAFT}' via 127.0.0.1:{port} "
        f"(3 attempts): the server answered {TRY_AGAIN}"
    )
    assert result.stderr == expected + "\n"
    assert result.stdout == ""
    (alert,) = webhook.posts
    assert alert["text"] == expected
    assert alert["run"] == "driftsstatus deliver --month 2024-01"
    [delivery] = _deliveries(warehouse)
    assert delivery[:5] == ("failed", 3, "2024-01-01", "draft", JANUARY_DRAFT)
    assert delivery[9] == f"the server answered {TRY_AGAIN}"


def test_refused_credentials_fail_at_once_and_never_show_the_password(tls, copy):
    warehouse, env = copy
    mailbox = Mailbox()
    with smtp_server(tls, mailbox) as port:
        env = {**env, **_mail_env(tls, port, password="not-the-password")}
        result = driftsstatus("deliver", "--month", "2024-01", env=env, check=False)
    assert result.returncode == 1
    assert mailbox.received == []
    assert result.stderr.endswith(
        "(1 attempt): the server answered 535 5.7.8 Authentication credentials invalid\n"
    )
    [delivery] = _deliveries(warehouse)
    assert delivery[:2] == ("failed", 1)
    assert "not-the-password" not in result.stderr + str(delivery)


def test_deliver_without_mail_settings_exits_2_saying_what_to_set(copy):
    _, env = copy
    result = driftsstatus("deliver", "--month", "2024-01", env=env, check=False)
    assert result.returncode == 2
    assert result.stderr == (
        "driftsstatus deliver: mail is not configured: set DRIFTSSTATUS_SMTP_HOST and "
        "DRIFTSSTATUS_REPORT_RECIPIENTS\n"
    )


def _materialize_delivery(warehouse: Path, mail_env: dict[str, str], monkeypatch):
    """The Dagster asset for January 2024, as the monthly job runs it."""
    from dagster_project.defs.delivery import report_delivery
    from dagster_project.defs.resources import Warehouse, resources_for

    # The password reaches the resource as its variable, resolved when the run starts.
    for name, value in mail_env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings({"DRIFTSSTATUS_WAREHOUSE": str(warehouse), **mail_env})
    return dg.materialize(
        [report_delivery],
        partition_key="2024-01-01",
        resources={
            "duckdb": Warehouse(database=str(warehouse), lock_timeout=0),
            "mailer": resources_for(settings)["mailer"],
        },
        raise_on_error=False,
    )


def test_the_monthly_job_sends_the_report_and_the_nightly_build_does_not(tls, copy, monkeypatch):
    from dagster_project.definitions import defs

    definitions = defs()
    key = dg.AssetKey(["publish", "report_delivery"])
    assert key in definitions.resolve_job_def("monthly_report").asset_layer.selected_asset_keys
    assert key not in definitions.resolve_job_def("build_all").asset_layer.selected_asset_keys
    warehouse, _ = copy
    mailbox = Mailbox()
    with smtp_server(tls, mailbox) as port:
        result = _materialize_delivery(warehouse, _mail_env(tls, port), monkeypatch)
    assert result.success
    (received,) = mailbox.received
    assert received.message["Subject"] == JANUARY_DRAFT
    [delivery] = _deliveries(warehouse)
    assert delivery[:2] == ("sent", 1)
    assert delivery[-1] == f"dagster run {result.run_id}"


def test_a_refused_delivery_fails_the_dagster_run_without_retrying_the_step(tls, copy, monkeypatch):
    warehouse, _ = copy
    with smtp_server(tls, Mailbox()) as port:
        mail_env = _mail_env(tls, port, password="not-the-password")
        result = _materialize_delivery(warehouse, mail_env, monkeypatch)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "535 5.7.8 Authentication credentials invalid" in failure.step_failure_data.error.message
    assert not [
        e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
    ]
    # Recorded once: a retried step would have tried (and recorded) again.
    assert [row[:2] for row in _deliveries(warehouse)] == [("failed", 1)]


def test_without_mail_settings_the_asset_materializes_saying_delivery_is_not_configured(
    tmp_path, monkeypatch
):
    for name in ("DRIFTSSTATUS_SMTP_HOST", "DRIFTSSTATUS_REPORT_RECIPIENTS"):
        monkeypatch.delenv(name, raising=False)
    result = _materialize_delivery(tmp_path / "warehouse.duckdb", {}, monkeypatch)
    assert result.success
    (materialization,) = result.asset_materializations_for_node("publish__report_delivery")
    assert materialization.metadata["delivery"].value == (
        "not configured: set DRIFTSSTATUS_SMTP_HOST and DRIFTSSTATUS_REPORT_RECIPIENTS"
    )
