"""Shared fixtures. Personas: alice (admin of Acme), bob (admin of Other Co),
charlie (read-only at Acme)."""

import email
import email.policy
import os
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller
from hypothesis import settings as hypothesis_settings

from tests.mailservers import free_port

PASSWORD = "correct horse battery"

# CI replays the same examples every run; a developer's runs explore new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture
def acme(db):
    from relance.orgs.services import create_organisation

    return create_organisation(
        "acme",
        "Acme Conseil SAS",
        siren="732829320",
        iban="FR7630006000011234567890189",
        sender_email="compta@acme.example",
    )


@pytest.fixture
def other(db):
    from relance.orgs.services import create_organisation

    return create_organisation(
        "other", "Other Co", sender_email="billing@other.example"
    )


@pytest.fixture
def alice(acme):
    from relance.orgs.services import create_user

    return create_user("alice@acme.example", acme, "admin", PASSWORD)


@pytest.fixture
def charlie(acme):
    from relance.orgs.services import create_user

    return create_user("charlie@acme.example", acme, "read_only", PASSWORD)


@pytest.fixture
def bob(other):
    from relance.orgs.services import create_user

    return create_user("bob@other.example", other, "admin", PASSWORD)


@pytest.fixture
def members(acme):
    """One user per role at Acme."""
    from relance.orgs.services import create_user

    return {
        role: create_user(f"{role}@acme.example", acme, role, PASSWORD)
        for role in ("admin", "collector", "sales", "read_only")
    }


@pytest.fixture
def books(acme, members):
    """Two customers at Acme, the first owned by the sales member; an overdue
    invoice each, one not yet due, and an action waiting for approval."""
    from datetime import timedelta

    from django.utils import timezone

    from relance.dunning.models import Action, ActionInvoice
    from relance.orgs.models import org_today
    from tests.factories import make_invoice

    today = org_today(acme)
    owned = make_invoice(acme, "F-1", today - timedelta(days=20), customer_ref="C1")
    owned.customer.account_owner = members["sales"]
    owned.customer.save()
    other = make_invoice(acme, "F-2", today - timedelta(days=40), customer_ref="C2")
    make_invoice(acme, "F-3", today + timedelta(days=10), customer_ref="C2")
    action = Action.objects.create(
        org=acme,
        customer=other.customer,
        step="call_1",
        channel="phone",
        tone="firm",
        template="call",
        run_date=today,
        scheduled_at=timezone.now(),
        status="approval",
    )
    ActionInvoice.objects.create(
        action=action, invoice=other, step=action.step, run_date=today
    )
    return {"owned": owned, "other": other, "action": action}


@pytest.fixture
def client():
    """Django's test client, whose login() goes through django-axes as the login
    page does: axes refuses an authentication that carries no request."""
    from django.http import HttpRequest
    from django.test import Client

    class AxesClient(Client):
        def login(self, **credentials):
            request = HttpRequest()
            request.META["REMOTE_ADDR"] = "127.0.0.1"
            return super().login(request=request, **credentials)

    return AxesClient()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (the dashboard keeps its history)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def checkpoints_apart(settings, tmp_path):
    """Each test keeps its timeline checkpoints apart: organisation ids repeat
    from one test database to the next."""
    settings.TIMELINE_CHECKPOINTS_DIR = tmp_path / "checkpoints"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_report_header(config):
    import os

    return f"database: {'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}"


class Recorder:
    def __init__(self):
        self.messages = []
        self.raw = []  # the bytes as received, for signature checks
        self.rcpt_replies = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server():
    """A real SMTP server on loopback that keeps what it receives."""
    port = free_port()
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


@pytest.fixture
def smtp(settings):
    with smtp_server() as (recorder, port):
        settings.RELANCE_SMTP_HOST = "127.0.0.1"
        settings.RELANCE_SMTP_PORT = port
        settings.RELANCE_SMTP_TLS = "none"
        yield recorder


@pytest.fixture(scope="session")
def postfix_server():
    """One Postfix for the whole run (starting one takes seconds), in a folder
    its own users can reach (pytest's are private to root)."""
    import shutil
    import tempfile
    from pathlib import Path

    from tests.mailservers import postfix

    root = Path(tempfile.mkdtemp(prefix="relance-postfix-"))
    try:
        with postfix(root) as (port, maildir):
            yield port, maildir
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mta(settings, postfix_server):
    """Postfix receives what relance sends; yields the Maildir it files into."""
    port, maildir = postfix_server
    maildir.clear()
    settings.RELANCE_SMTP_HOST = "127.0.0.1"
    settings.RELANCE_SMTP_PORT = port
    settings.RELANCE_SMTP_TLS = "none"
    yield maildir


@pytest.fixture
def imap(acme):
    """Dovecot on loopback with the organisation's reply mailbox configured;
    yields a function that drops a message into it."""
    import imaplib
    import shutil
    import tempfile
    from pathlib import Path

    from relance.comms.models import Mailbox
    from tests.mailservers import dovecot

    root = Path(tempfile.mkdtemp(prefix="relance-dovecot-"))
    login, password = "ar@acme.example", "reply-box"
    try:
        with dovecot(root, {login: password}) as port:
            box = Mailbox.objects.create(
                org=acme,
                host="127.0.0.1",
                port=port,
                tls="none",
                username=login,
                password=password,
            )

            def deliver(raw: bytes) -> None:
                client = imaplib.IMAP4("127.0.0.1", port)
                client.login(login, password)
                client.append("INBOX", None, None, raw)
                client.logout()

            deliver.mailbox = box
            yield deliver
    finally:
        shutil.rmtree(root, ignore_errors=True)
