"""The outbox page decides many uncertain messages at once: the ticked ones or
all of them, one decision, each on the timeline; only for those who send."""

import pytest
from django.urls import reverse

from relance.comms.models import OutboundMessage
from relance.timeline.models import Event
from tests.comms.test_outbox_command import left_uncertain
from tests.conftest import PASSWORD


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def decide(client, follow=False, **data):
    return client.post(
        reverse("outbox_resolve"), {"status": "uncertain", **data}, follow=follow
    )


def test_the_uncertain_list_offers_one_decision_for_a_selection(client, members, acme):
    left_uncertain(acme, 2)
    login(client, members["collector"])
    page = client.get(reverse("outbox"), {"status": "uncertain"}).content.decode()
    assert "data-bulk" in page and page.count('name="ids"') == 2
    assert 'value="sent"' in page and 'value="resend"' in page
    # the full list offers no bulk decision, nor does the page to a reader
    assert "data-bulk" not in client.get(reverse("outbox")).content.decode()
    login(client, members["read_only"])
    page = client.get(reverse("outbox"), {"status": "uncertain"}).content.decode()
    assert "data-bulk" not in page


def test_ticked_messages_get_the_decision(client, members, acme):
    first, second, third = left_uncertain(acme, 3)
    login(client, members["collector"])
    response = decide(client, ids=[first, third], decision="sent")
    assert response.status_code == 302
    assert response["Location"] == reverse("outbox") + "?status=uncertain"
    status = dict(OutboundMessage.objects.values_list("pk", "status"))
    assert status == {first: "sent", second: "uncertain", third: "sent"}
    events = Event.objects.filter(kind="message.sent")
    assert sorted(e.data["message"] for e in events) == [first, third]
    assert {e.actor for e in events} == {"collector@acme.example"}


def test_all_messages_of_the_status_across_pages(client, members, acme, other):
    ids = left_uncertain(acme, 3)
    (theirs,) = left_uncertain(other, 1)
    login(client, members["admin"])
    decide(client, all="1", decision="cancel")
    assert set(
        OutboundMessage.objects.filter(pk__in=ids).values_list("status", flat=True)
    ) == {"cancelled"}
    assert Event.objects.filter(kind="message.cancelled").count() == 3
    # another organisation's message, even named, is out of reach
    decide(client, ids=[theirs], decision="cancel")
    assert OutboundMessage.objects.get(pk=theirs).status == "uncertain"


def test_french_summary_of_what_was_decided(client, members, acme):
    first, second = left_uncertain(acme, 2)
    OutboundMessage.objects.filter(pk=second).update(status="sent")
    login(client, members["collector"])
    response = decide(client, ids=[first, second], decision="resend", follow=True)
    page = response.content.decode()
    assert "1 message sera renvoyé, inscrit à l" in page
    assert OutboundMessage.objects.get(pk=first).status == "queued"


@pytest.mark.parametrize("role", ["sales", "read_only"])
def test_only_those_who_send_may_decide(client, members, acme, role):
    ids = left_uncertain(acme, 2)
    login(client, members[role])
    assert decide(client, all="1", decision="sent").status_code == 403
    assert set(
        OutboundMessage.objects.filter(pk__in=ids).values_list("status", flat=True)
    ) == {"uncertain"}
