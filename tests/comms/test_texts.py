"""Reminders by SMS and WhatsApp: a step of the policy sent as a short text to
the customer's mobile, through the channel's provider, with the outbox's
guarantees (stored first, sent once, uncertain when the provider fails mid-way)."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relance.comms.models import OutboundMessage
from relance.comms.render import render_text
from relance.comms.services import send_outbox
from relance.comms.texts import TextRefused, TextUnavailable
from relance.core.policy import DEFAULT_POLICY
from relance.core.policy_config import to_data
from relance.dunning.policies import save_policy
from relance.dunning.services import run_dunning
from relance.ledger.contacts import add_contact
from tests.factories import make_invoice

DUE = date(2026, 10, 1)
SENT = []


class Recording:
    """A gateway that keeps what it is given."""

    def __init__(self, channel):
        self.channel = channel

    def send(self, to, body, reference):
        SENT.append((self.channel, to, body))
        return f"rec-{len(SENT)}"


class Refusing(Recording):
    def send(self, to, body, reference):
        raise TextRefused("number unknown")


class Busy(Recording):
    def send(self, to, body, reference):
        raise TextUnavailable("rate limited")


class Crashing(Recording):
    def send(self, to, body, reference):
        raise RuntimeError("connection reset after the request was written")


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    SENT.clear()
    return tmp_path


def text_policy(org, channel="sms"):
    data = to_data(DEFAULT_POLICY)
    for step in data["steps"]:
        if step["key"] == "reminder_1":
            step["channel"] = channel
    save_policy(org, "good", data, actor="alice")


def late_customer(org, mobile="06 12 34 56 78"):
    inv = make_invoice(org, "F1", DUE)
    if mobile:
        add_contact(org, inv.customer, actor="alice", mobile=mobile)
    return inv


def test_a_reminder_goes_by_sms_to_the_mobile_once(acme, data_dir):
    text_policy(acme)
    late_customer(acme)
    result = run_dunning(acme, DUE + timedelta(days=1))
    assert [(a["step"], a["channel"]) for a in result["actions"]] == [
        ("reminder_1", "sms")
    ]
    msg = OutboundMessage.objects.get()
    assert (msg.channel, msg.to_addresses) == ("sms", ["+33612345678"])
    assert "F1" in msg.body_text and "1 200,00" in msg.body_text.replace("\u202f", " ")
    assert "/p/" in msg.body_text  # the portal link
    counts = send_outbox(acme)  # no SMTP here: texts do not need it
    assert counts["sent"] == 1 and "smtp" not in counts
    (line,) = (data_dir / "texts").glob("sms-*.jsonl")
    (written,) = [json.loads(x) for x in line.read_text().splitlines()]
    assert (written["to"], written["body"]) == ("+33612345678", msg.body_text)
    msg.refresh_from_db()
    assert (msg.status, msg.provider_ref) == ("sent", written["id"])
    assert msg.action.status == "done"
    assert send_outbox(acme)["sent"] == 0
    assert len(line.read_text().splitlines()) == 1


def test_without_a_mobile_the_text_step_is_skipped_as_no_contact(acme):
    text_policy(acme)
    late_customer(acme, mobile=None)
    result = run_dunning(acme, DUE + timedelta(days=1), dry_run=True)
    assert result["actions"] == []
    assert [(s["step"], s["reason"]) for s in result["skipped"]] == [
        ("reminder_1", "no_contact")
    ]


def test_whatsapp_goes_through_its_own_provider(acme, settings):
    settings.RELANCE_WHATSAPP_PROVIDER = f"{__name__}.Recording"
    text_policy(acme, "whatsapp")
    late_customer(acme)
    run_dunning(acme, DUE + timedelta(days=1))
    assert send_outbox(acme)["sent"] == 1
    assert [(c, to) for c, to, _ in SENT] == [("whatsapp", "+33612345678")]
    assert OutboundMessage.objects.get().provider_ref == "rec-1"


@pytest.mark.parametrize(
    "gateway, outcome, status, action_status",
    [
        # A text that will never go: its action goes back to a person.
        ("Refusing", "failed", "failed", "todo"),
        ("Busy", "retry", "queued", "queued"),
        ("Crashing", "uncertain", "uncertain", "queued"),
    ],
)
def test_what_the_provider_says_decides_the_messages_fate(
    acme, settings, gateway, outcome, status, action_status
):
    settings.RELANCE_SMS_PROVIDER = f"{__name__}.{gateway}"
    text_policy(acme)
    late_customer(acme)
    run_dunning(acme, DUE + timedelta(days=1))
    assert send_outbox(acme)[outcome] == 1
    msg = OutboundMessage.objects.get()
    assert msg.status == status
    assert msg.action.status == action_status
    if action_status == "todo":
        assert msg.action.reason == "message failed: refused by the provider: " + (
            "number unknown"
        )
    # Whatever happened, nothing goes twice without a person.
    settings.RELANCE_SMS_PROVIDER = f"{__name__}.Recording"
    send_outbox(acme)
    assert SENT == []


def test_default_texts_are_short(acme):
    """One invoice, a long company name: each text fits in two SMS."""
    acme.name = "Acme Conseil et Associés SAS"
    acme.phone = "01 23 45 67 89"
    inv = late_customer(acme)
    for step in ("pre_reminder", "reminder_1", "reminder_2", "reminder_3"):
        for lang in ("fr", "en"):
            inv.customer.language = lang
            text = render_text(step, "sms", acme, inv.customer, [inv], DUE).body_text
            assert "F1" in text and "\n" not in text
            assert len(text) <= 306, (step, lang, len(text), text)


def test_contacts_from_the_command_line(acme):
    make_invoice(acme, "F1", DUE, email="")

    def contacts(*args):
        out = StringIO()
        call_command("contacts", *args, "--org", "acme", "--json", stdout=out)
        return json.loads(out.getvalue())

    added = contacts("add", "--customer", "C1", "--mobile", "06 12 34 56 78")
    assert added["mobile"] == "+33612345678" and added["role"] == "billing"
    with pytest.raises(CommandError, match="is not a mobile number"):
        contacts("add", "--customer", "C1", "--mobile", "01 23 45 67 89")
    with pytest.raises(CommandError, match="invalid email address"):
        contacts("set", str(added["id"]), "--email", "compta@")
    changed = contacts("set", str(added["id"]), "--email", "ap@client.example")
    assert changed["email"] == "ap@client.example"
    assert [c["mobile"] for c in contacts("list", "--customer", "C1")] == [
        "+33612345678"
    ]


def test_the_team_sees_the_text_and_the_mobile(client, acme, members):
    from django.urls import reverse

    from tests.conftest import PASSWORD

    text_policy(acme)
    inv = late_customer(acme)
    run_dunning(acme, DUE + timedelta(days=1))
    send_outbox(acme)
    msg = OutboundMessage.objects.get()
    assert client.login(username=members["collector"].username, password=PASSWORD)
    page = client.get(reverse("message", args=[msg.pk])).content.decode()
    assert "+33612345678" in page and "F1" in page
    page = client.get(reverse("customer", args=[inv.customer.pk])).content.decode()
    assert "+33612345678" in page
