"""RELANCE_SMTP_TLS=starttls and ssl against a real TLS server on loopback, with a
certificate made for the test and trusted through SSL_CERT_FILE."""

import ssl
import subprocess
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller

from relance.comms.services import send_outbox
from relance.dunning.services import run_dunning
from tests.conftest import Recorder
from tests.factories import make_invoice
from tests.mailservers import free_port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_sends_over_tls(acme, settings, monkeypatch, certificate, mode):
    cert, key = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    recorder, port = Recorder(), free_port()
    if mode == "starttls":
        controller = Controller(
            recorder,
            hostname="127.0.0.1",
            port=port,
            tls_context=server_context(cert, key),
            require_starttls=True,
        )
    else:
        controller = Controller(
            recorder,
            hostname="127.0.0.1",
            port=port,
            ssl_context=server_context(cert, key),
        )
    controller.start()
    try:
        settings.RELANCE_SMTP_HOST, settings.RELANCE_SMTP_PORT = "127.0.0.1", port
        settings.RELANCE_SMTP_TLS = mode
        make_invoice(acme, "TLS-1", date(2026, 10, 1))
        run_dunning(acme, date(2026, 10, 1) + timedelta(days=1))
        assert send_outbox(acme)["sent"] == 1
    finally:
        controller.stop()
    assert len(recorder.messages) == 1


def test_plain_connection_to_a_server_requiring_starttls_is_refused(
    acme, settings, certificate
):
    cert, key = certificate
    recorder, port = Recorder(), free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context(cert, key),
        require_starttls=True,
    )
    controller.start()
    try:
        settings.RELANCE_SMTP_HOST, settings.RELANCE_SMTP_PORT = "127.0.0.1", port
        settings.RELANCE_SMTP_TLS = "none"
        make_invoice(acme, "TLS-2", date(2026, 10, 1))
        run_dunning(acme, date(2026, 10, 2))
        counts = send_outbox(acme)
    finally:
        controller.stop()
    assert counts["sent"] == 0 and recorder.messages == []
    from relance.comms.models import OutboundMessage

    msg = OutboundMessage.objects.get()
    assert msg.status == "failed" and "530" in msg.status_reason
