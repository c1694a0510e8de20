"""`relance outbox`: list the messages waiting for a person and decide them in
bulk, each decision on the timeline as the single one."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relance.comms.models import OutboundMessage
from relance.dunning.services import run_dunning
from relance.timeline.models import Event
from tests.factories import make_invoice

DUE = date(2026, 10, 1)


def left_uncertain(org, n: int) -> list[int]:
    """n reminders of `org` that a dropped connection left uncertain."""
    for i in range(n):
        make_invoice(org, f"U{i}", DUE, customer_ref=f"U{i}", email=f"u{i}@c.example")
    run_dunning(org, DUE + timedelta(days=1))
    messages = OutboundMessage.objects.filter(org=org)
    messages.update(status="uncertain", status_reason="connection lost")
    return list(messages.order_by("pk").values_list("pk", flat=True))


def outbox(*args):
    out = StringIO()
    call_command("outbox", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_every_uncertain_message_of_an_org_is_settled_at_once(acme, other):
    ids = left_uncertain(acme, 3)
    (theirs,) = left_uncertain(other, 1)
    listed = outbox("list", "--org", "acme")
    assert [r["id"] for r in listed] == ids
    result = outbox(
        "resolve", "--org", "acme", "--status", "uncertain", "--decision", "sent"
    )
    assert result["resolved"] == {str(pk): "sent" for pk in ids}
    assert result["refused"] == {}
    for msg in OutboundMessage.objects.filter(pk__in=ids):
        assert msg.status == "sent" and msg.action.status == "done"
    events = Event.objects.filter(kind="message.sent", actor="cli")
    assert sorted(e.data["message"] for e in events) == ids
    # another organisation's message is not touched
    assert OutboundMessage.objects.get(pk=theirs).status == "uncertain"


def test_chosen_messages_are_sent_again_and_the_others_wait(acme):
    first, second, third = left_uncertain(acme, 3)
    result = outbox(
        "resolve",
        *("--status", "uncertain", "--decision", "resend"),
        *("--ids", str(first), str(third)),
    )
    assert set(result["resolved"]) == {str(first), str(third)}
    status = dict(OutboundMessage.objects.values_list("pk", "status"))
    assert status == {first: "queued", second: "uncertain", third: "queued"}
    assert Event.objects.filter(kind="message.requeued").count() == 2


def test_a_message_not_in_that_status_is_reported_and_the_rest_settled(acme):
    first, second = left_uncertain(acme, 2)
    OutboundMessage.objects.filter(pk=second).update(status="sent")
    with pytest.raises(CommandError, match="1 messages not resolved"):
        call_command(
            "outbox",
            *("resolve", "--status", "uncertain", "--decision", "cancel"),
            *("--ids", str(first), str(second)),
            stdout=StringIO(),
        )
    status = dict(OutboundMessage.objects.values_list("pk", "status"))
    assert status == {first: "cancelled", second: "sent"}


def test_a_decision_the_status_does_not_allow_is_refused(acme):
    (pk,) = left_uncertain(acme, 1)
    OutboundMessage.objects.update(status="held")
    with pytest.raises(CommandError, match="1 messages not resolved"):
        call_command(
            "outbox",
            *("resolve", "--status", "held", "--decision", "sent"),
            stdout=StringIO(),
        )
    assert OutboundMessage.objects.get(pk=pk).status == "held"
