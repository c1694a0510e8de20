"""The worker's day reads the organisation's mailbox (Dovecot on loopback)
before it runs: a customer who wrote that the transfer is on its way is not
chased that morning; an unreachable mailbox makes the day wait, then run."""

from datetime import UTC, date, datetime, timedelta

import time_machine

from relance.comms.models import Mailbox, OutboundMessage
from relance.comms.services import send_outbox
from relance.dunning.services import run_dunning
from relance.ops.cycle import MAILBOX_TRIES, run_org_day
from relance.ops.models import DayStatus, OrgDay
from tests.comms.test_inbox import reply
from tests.factories import make_invoice
from tests.mailservers import free_port

DUE = date(2026, 10, 1)


def test_a_reply_read_in_the_morning_holds_that_days_reminder(acme, smtp, imap):
    make_invoice(acme, "F1", DUE)
    run_dunning(acme, DUE + timedelta(days=1))
    send_outbox(acme)
    sent = OutboundMessage.objects.get(status="sent")
    imap(reply(sent, body="Bonjour, le virement partira le 30 octobre."))
    result = run_org_day(acme.pk, DUE + timedelta(days=12))
    assert result["replies"]["stored"] == 1
    assert result["actions"] == 0 and result["skipped"] == 1


def test_an_unreachable_mailbox_makes_the_day_wait_then_run_without_it(acme):
    Mailbox.objects.create(
        org=acme,
        host="127.0.0.1",
        port=free_port(),
        tls="none",
        username="ar@acme.example",
        password="x",
    )
    make_invoice(acme, "F1", DUE)
    day = DUE + timedelta(days=12)
    now = datetime(2026, 10, 13, 6, 0, tzinfo=UTC)
    for attempt in range(1, MAILBOX_TRIES):
        with time_machine.travel(now + timedelta(hours=attempt), tick=False):
            assert run_org_day(acme.pk, day) is None
            row = OrgDay.objects.get()
            assert (row.status, row.attempts) == (DayStatus.FAILED, attempt)
            assert "cannot connect" in row.error
    with time_machine.travel(now + timedelta(hours=MAILBOX_TRIES), tick=False):
        result = run_org_day(acme.pk, day)
    assert "cannot connect" in result["replies"]["error"]
    assert result["actions"] == 1
    assert OrgDay.objects.get().status == DayStatus.DONE
