"""Send through a real SMTP server on loopback and read the messages back."""

import json
from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from relance.comms.models import OutboundMessage
from relance.comms.services import send_outbox
from relance.dunning.services import run_dunning
from tests.factories import make_invoice, pay
from tests.mailservers import free_port

DUE = date(2026, 10, 1)


def queue_one(org, number="F1", email_address="compta@client.example", ref="C1"):
    inv = make_invoice(org, number, DUE, customer_ref=ref, email=email_address)
    run_dunning(org, DUE + timedelta(days=1))
    return inv


def test_round_trip_and_never_twice(acme, mta):
    queue_one(acme)
    stored = OutboundMessage.objects.get()
    out = StringIO()
    call_command("send", "--org", "acme", "--json", stdout=out)
    counts = json.loads(out.getvalue())
    assert (counts["sent"], counts["failed"], counts["held"]) == (1, 0, 0)
    (received,) = mta.wait_for(1)
    # Postfix filed it for the customer's address, after its own Received line.
    assert received["Delivered-To"] == "compta@client.example"
    assert "mx.relance-test.example" in received["Received"]
    assert received["Subject"] == "Facture F1 : règlement en attente"
    assert received["Message-ID"] == stored.message_id
    assert received["To"] == "compta@client.example"
    assert received["Reply-To"] == "compta@acme.example"
    assert "Acme Conseil SAS" in received["From"]
    assert "facture F1" in received.get_body().get_content()
    stored.refresh_from_db()
    assert stored.status == "sent" and stored.sent_at is not None
    assert stored.action.status == "done"
    assert send_outbox(acme)["sent"] == 0
    assert len(mta.wait_for(1)) == 1


def test_paid_since_rendering_is_cancelled_not_sent(acme, smtp):
    inv = queue_one(acme)
    pay(acme, inv, "1200.00", on=DUE + timedelta(days=1))
    counts = send_outbox(acme)
    # Counted as cancelled, apart from what is held for a person.
    assert (counts["sent"], counts["cancelled"], counts["held"]) == (0, 1, 0)
    assert smtp.messages == []
    msg = OutboundMessage.objects.get()
    assert (msg.status, msg.status_reason) == ("cancelled", "paid")


def test_permanent_refusal_fails_and_temporary_one_retries_later(acme, mta):
    # Postfix refuses gone@ for good (550) and busy@ for now (450).
    queue_one(acme, "F1", "gone@client.example", "C1")
    queue_one(acme, "F2", "busy@other-client.example", "C2")
    counts = send_outbox(acme)
    assert (counts["sent"], counts["failed"], counts["retry"]) == (0, 1, 1)
    gone = OutboundMessage.objects.get(to_addresses=["gone@client.example"])
    busy = OutboundMessage.objects.get(to_addresses=["busy@other-client.example"])
    assert gone.status == "failed" and "550" in gone.status_reason
    # The reminder that will never go is back with a person, saying why.
    assert gone.action.status == "todo" and "550" in gone.action.reason
    assert busy.status == "queued" and busy.next_attempt_at > timezone.now()
    assert busy.action.status == "queued"
    assert send_outbox(acme)["retry"] == 0  # not due yet: nothing tried
    assert mta.count() == 0


def test_without_smtp_messages_stay_as_previews(acme, settings):
    settings.RELANCE_SMTP_HOST = ""
    queue_one(acme)
    counts = send_outbox(acme)
    assert (
        counts["held"] == 1
        and counts["sent"] == 0
        and "not configured" in counts["smtp"]
    )
    assert OutboundMessage.objects.get().status == "queued"


def test_a_message_stuck_in_flight_becomes_uncertain_and_is_not_resent(acme, smtp):
    queue_one(acme)
    OutboundMessage.objects.update(
        status="sending", claimed_at=timezone.now() - timedelta(hours=1)
    )
    counts = send_outbox(acme)
    assert counts["uncertain"] == 1 and counts["sent"] == 0
    assert smtp.messages == []
    assert OutboundMessage.objects.get().status == "uncertain"


def test_unreachable_server_is_retried(acme, settings):
    # Nothing listens on a port just released.
    settings.RELANCE_SMTP_HOST, settings.RELANCE_SMTP_PORT = "127.0.0.1", free_port()
    settings.RELANCE_SMTP_RECONNECT_SECONDS = 0
    queue_one(acme)
    assert send_outbox(acme)["retry"] == 1
    msg = OutboundMessage.objects.get()
    assert msg.status == "queued" and "cannot reach" in msg.status_reason


def test_send_first_renders_what_a_crash_left_unrendered(acme, smtp):
    from django.core.management import call_command

    from relance.dunning.services import record_day

    make_invoice(acme, "CR-1", DUE)
    record_day(acme, DUE + timedelta(days=1), dry_run=False, actor="test")
    assert OutboundMessage.objects.count() == 0  # the process died before rendering
    out = StringIO()
    call_command("send", "--org", "acme", "--json", stdout=out)
    assert json.loads(out.getvalue())["sent"] == 1
    assert "CR-1" in smtp.messages[0]["Subject"]
