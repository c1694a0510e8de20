"""Opens and clicks: the pixel and the tracked portal link in the HTML part,
recorded once on the customer's timeline; the pixel can be turned off."""

import re
from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command

from relance.comms.models import OutboundMessage
from relance.comms.services import send_outbox
from relance.dunning.services import run_dunning
from relance.timeline.models import Event
from tests.factories import make_invoice

DUE = date(2026, 10, 1)


def sent_html(acme, smtp):
    make_invoice(acme, "F1", DUE)
    run_dunning(acme, DUE + timedelta(days=1))
    send_outbox(acme)
    (received,) = smtp.messages
    html = received.get_body(preferencelist=("html",)).get_content()
    text = received.get_body(preferencelist=("plain",)).get_content()
    return html, text


def local(url, settings):
    return url.removeprefix(settings.RELANCE_PUBLIC_URL)


def track(acme):
    acme.track_opens = True
    acme.save()


def test_open_and_click_are_recorded_once_on_the_timeline(acme, smtp, client, settings):
    track(acme)
    html, text = sent_html(acme, smtp)
    (pixel,) = re.findall(r'<img src="([^"]+/t/o/[^"]+)"', html)
    (click,) = re.findall(r'href="([^"]+/t/c/[^"]+)"', html)
    assert "/t/c/" not in text and "/p/" in text  # the text part links directly
    for _ in range(2):
        response = client.get(local(pixel, settings))
        assert response["Content-Type"] == "image/gif"
    response = client.get(local(click, settings))
    assert response.status_code == 302 and "/p/" in response["Location"]
    assert response["Location"] in text  # the same portal link as the text part
    msg = OutboundMessage.objects.get()
    assert msg.opened_at is not None and msg.clicked_at is not None
    kinds = list(
        Event.objects.filter(customer_id=msg.customer_id).values_list("kind", flat=True)
    )
    assert kinds.count("message.opened") == 1 and kinds.count("message.clicked") == 1


def test_altered_tokens_record_nothing(acme, smtp, client, settings):
    track(acme)
    html, _ = sent_html(acme, smtp)
    (pixel,) = re.findall(r'<img src="([^"]+/t/o/[^"]+)"', html)
    (click,) = re.findall(r'href="([^"]+/t/c/[^"]+)"', html)
    bad_pixel = local(pixel, settings).replace(".gif", "x.gif")
    assert client.get(bad_pixel)["Content-Type"] == "image/gif"
    assert client.get(local(click, settings)[:-3] + "xx/").status_code == 404
    msg = OutboundMessage.objects.get()
    assert msg.opened_at is None and msg.clicked_at is None


def test_the_pixel_is_off_unless_turned_on(acme, smtp):
    track(acme)
    call_command("org", "set", "acme", "--track-opens", "no", stdout=StringIO())
    acme.refresh_from_db()
    html, _ = sent_html(acme, smtp)
    assert "/t/o/" not in html and "<img" not in html
    assert "/t/c/" in html  # the portal link is still tracked


def test_the_message_page_shows_the_first_open(acme, smtp, client, settings, alice):
    from django.urls import reverse

    from tests.conftest import PASSWORD

    track(acme)
    html, _ = sent_html(acme, smtp)
    (pixel,) = re.findall(r'<img src="([^"]+/t/o/[^"]+)"', html)
    client.get(local(pixel, settings))
    assert client.login(username=alice.username, password=PASSWORD)
    msg = OutboundMessage.objects.get()
    page = client.get(reverse("message", args=[msg.pk])).content.decode()
    assert "data-opened" in page and "data-clicked" not in page
