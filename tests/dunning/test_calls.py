"""Recording what a call gave: each outcome does what comes next, on the web
page and on the command line, for senders only."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from relance.dunning.calls import record_call
from relance.dunning.models import Action, Hold, Task
from relance.orgs.models import org_today
from relance.timeline.models import Event
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def call_of(books):
    action = books["action"]
    Action.objects.filter(pk=action.pk).update(status="todo")
    action.refresh_from_db()
    return action


def test_promise_pauses_until_the_promised_day(acme, books):
    action = call_of(books)
    day = org_today(acme) + timedelta(days=6)
    record_call(action, "promise", actor="alice", promised_on=day, note="DAF joint")
    action.refresh_from_db()
    assert (action.status, action.outcome) == ("done", "promise")
    hold = Hold.objects.get(kind="promised")
    assert (hold.until, hold.invoice.number) == (day, "F-2")
    assert "DAF joint" in hold.reason
    event = Event.objects.get(kind="call.promise")
    assert event.data["promised_on"] == day.isoformat()


def test_promise_without_a_date_is_refused_and_changes_nothing(acme, books):
    action = call_of(books)
    with pytest.raises(ValidationError):
        record_call(action, "promise", actor="alice")
    action.refresh_from_db()
    assert action.status == "todo" and Hold.objects.count() == 0


def test_dispute_holds_the_invoices_and_wrong_contact_opens_a_task(acme, books):
    action = call_of(books)
    record_call(action, "dispute", actor="alice", note="livraison incomplète")
    assert [h.invoice.number for h in Hold.objects.filter(kind="disputed")] == ["F-2"]
    with pytest.raises(ValidationError):
        record_call(action, "reached", actor="alice")  # already recorded


def test_no_answer_leaves_the_call_to_do(acme, books):
    action = call_of(books)
    record_call(action, "no_answer", actor="alice")
    action.refresh_from_db()
    assert (action.status, action.outcome) == ("todo", "no_answer")
    record_call(action, "wrong_contact", actor="alice", note="ne travaille plus là")
    task = Task.objects.get(kind="wrong_contact")
    assert "ne travaille plus là" in task.summary


def test_from_the_call_sheet_page(client, acme, members, books):
    action = call_of(books)
    assert client.login(username=members["collector"].username, password=PASSWORD)
    page = client.get(reverse("action", args=[action.pk])).content.decode()
    assert 'name="outcome"' in page
    day = org_today(acme) + timedelta(days=3)
    client.post(
        reverse("call_record", args=[action.pk]),
        {"outcome": "promise", "until": day.isoformat(), "amount": "1 200,50"},
    )
    action.refresh_from_db()
    assert action.outcome == "promise"
    assert Event.objects.get(kind="call.promise").data["amount"] == "1200.50"
    # Read-only members see the sheet, not the form, and cannot post.
    assert client.login(username=members["read_only"].username, password=PASSWORD)
    assert (
        'name="outcome"'
        not in client.get(reverse("action", args=[action.pk])).content.decode()
    )
    assert (
        client.post(
            reverse("call_record", args=[action.pk]), {"outcome": "reached"}
        ).status_code
        == 403
    )


def test_from_the_command_line(acme, books):
    action = call_of(books)
    out = StringIO()
    call_command(
        "actions",
        "call",
        str(action.pk),
        "--outcome",
        "reached",
        "--note",
        "rappel lundi",
        "--org",
        "acme",
        "--json",
        stdout=out,
    )
    assert json.loads(out.getvalue())["outcome"] == "reached"


def test_another_organisation_cannot_record_a_call(client, acme, books, bob):
    action = call_of(books)
    assert client.login(username=bob.username, password=PASSWORD)
    assert (
        client.post(
            reverse("call_record", args=[action.pk]), {"outcome": "reached"}
        ).status_code
        == 404
    )
    action.refresh_from_db()
    assert action.outcome == ""
