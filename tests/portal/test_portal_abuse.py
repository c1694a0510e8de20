"""The portal in the hands of someone who clicks too often or means harm: the
same answer twice is recorded once, a link answers a bounded number of times,
a declared payment pauses reminders once, proofs are read by their content,
and no page is kept by a cache or leaks its address."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from relance.comms.models import OutboundMessage
from relance.dunning.models import Hold, PaymentPlan
from relance.dunning.services import run_dunning
from relance.portal import services
from tests.factories import make_invoice

from .test_portal import url

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def pdf(javascript: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if javascript:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject(javascript),
            }
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def declare(client, customer, day, numbers=("F-101",), proof=None):
    form = {
        "form": "declare",
        "invoices": list(numbers),
        "paid_on": day.isoformat(),
        "reference": "VIR 1",
    }
    if proof is not None:
        form["proof"] = ContentFile(proof[1], name=proof[0])
    return client.post(url(customer, day), form)


def notices(customer):
    return OutboundMessage.objects.filter(channel="internal", customer=customer)


def test_the_same_declaration_twice_is_recorded_once(client, late, today):
    """GIVEN a declared payment WHEN the debtor declares it again THEN no second
    hold, no second email, and a polite message that it is already noted."""
    assert declare(client, late, today).status_code == 302
    again = declare(client, late, today)
    assert again.status_code == 200
    assert "déjà" in again.content.decode()
    assert Hold.objects.filter(customer=late).count() == 1
    assert notices(late).count() == 1


def test_a_declaration_with_one_new_invoice_holds_that_one_only(client, late, today):
    declare(client, late, today)
    declare(client, late, today, numbers=("F-101", "F-102"))
    held = Hold.objects.filter(customer=late).values_list("invoice__number", flat=True)
    assert sorted(held) == ["F-101", "F-102"]
    assert notices(late).count() == 2
    assert "F-101" not in notices(late).order_by("pk").last().body_text


def test_the_same_dispute_promise_or_plan_twice_is_recorded_once(client, late, today):
    forms = [
        {"form": "dispute", "invoice": "F-101", "reason": "defect", "comment": "x"},
        {"form": "promise", "invoices": ["F-102"], "until": today + timedelta(7)},
        {"form": "plan", "invoice": "F-102", "count": "2", "first": today},
    ]
    for form in forms:
        assert client.post(url(late, today), form).status_code == 302, form
        again = client.post(url(late, today), form)
        assert again.status_code == 200 and "déjà" in again.content.decode(), form
    assert Hold.objects.filter(customer=late).count() == 2
    assert PaymentPlan.objects.filter(customer=late).count() == 1
    assert notices(late).count() == 3


def test_a_declared_payment_pauses_reminders_once(late, today):
    """GIVEN a declaration that ran out without the money WHEN the debtor
    declares again THEN the hold is not extended: a person must decide."""
    services.declare_payment(late, ["F-101"], paid_on=today, reference="", today=today)
    later = today + timedelta(days=services.DECLARED_PAYMENT_DAYS + 1)
    with pytest.raises(ValidationError, match="déjà été annoncé"):
        services.declare_payment(
            late, ["F-101"], paid_on=later, reference="", today=later
        )
    assert Hold.objects.filter(customer=late).count() == 1
    chased = run_dunning(late.org, later, dry_run=True)["actions"]
    assert "F-101" in {n for a in chased for n in a["invoices"]}


def test_a_link_answers_a_bounded_number_of_times(late, today):
    """GIVEN more answers than allowed in a day WHEN they come from fresh
    browsers (the count is in the database, not a process) THEN the extra
    ones are refused with 429 and nothing is recorded."""
    numbers = [f"F-2{n:02d}" for n in range(services.MAX_ACTIONS_PER_DAY + 1)]
    for number in numbers:
        make_invoice(late.org, number, today - timedelta(days=3))
    for number in numbers[:-1]:
        response = Client().post(
            url(late, today),
            {"form": "dispute", "invoice": number, "reason": "other", "comment": ""},
        )
        assert response.status_code == 302
    refused = Client().post(
        url(late, today),
        {"form": "dispute", "invoice": numbers[-1], "reason": "other", "comment": ""},
    )
    assert refused.status_code == 429
    assert "trop" in refused.content.decode()
    assert not Hold.objects.filter(invoice__number=numbers[-1]).exists()
    assert notices(late).count() == services.MAX_ACTIONS_PER_DAY


@pytest.mark.parametrize(
    "name, data",
    [("recu.png", PNG), ("recu.jpg", JPEG), ("recu.pdf", pdf()), ("recu", PNG)],
    ids=["png", "jpeg", "pdf", "no-extension"],
)
def test_proofs_are_accepted_by_their_content(client, late, today, name, data):
    assert declare(client, late, today, proof=(name, data)).status_code == 302
    hold = Hold.objects.get(customer=late)
    assert hold.proof.read() == data
    assert name not in hold.proof.name  # stored under its digest, not its name


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("recu.pdf", b"<html><script>alert(1)</script></html>", "PDF, PNG ou JPEG"),
        ("recu.png", b"MZ\x90\x00 a program", "PDF, PNG ou JPEG"),
        ("recu.pdf", pdf("app.alert(1)"), "JavaScript"),
        ("recu.png", PNG + b"\x00" * services.MAX_PROOF_BYTES, "5 Mo"),
    ],
    ids=["html-named-pdf", "program-named-png", "pdf-with-javascript", "too-large"],
)
def test_proofs_are_refused_by_their_content(client, late, today, name, data, says):
    response = declare(client, late, today, proof=(name, data))
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not Hold.objects.exists() and not notices(late).exists()


def test_portal_pages_are_not_cached_and_do_not_leak_their_address(client, late, today):
    mine = late.invoices.get(number="F-101")
    mine.document.save("f101.pdf", ContentFile(pdf()))
    expired = url(late, today - timedelta(days=late.org.portal_link_days + 1))
    for path in (
        url(late, today),
        f"{url(late, today)}invoices/{mine.pk}/",
        "/p/forged/",
        expired,
    ):
        response = client.get(path)
        cache = {v.strip() for v in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= cache, path
        assert response["Referrer-Policy"] == "same-origin", path
    assert 'content="same-origin"' in client.get(url(late, today)).content.decode()


@pytest.mark.parametrize("junk", ["", "abc", "9999-12-31", "0001-01-01", "1e30", "-1"])
def test_junk_in_every_portal_form_is_a_plain_refusal(client, late, today, junk):
    client.raise_request_exception = False
    for form in (
        {"form": "declare", "invoices": ["F-101"], "paid_on": junk},
        {"form": "dispute", "invoice": junk, "reason": junk},
        {"form": "promise", "invoices": [junk], "until": junk},
        {"form": "plan", "invoice": "F-101", "count": junk, "first": junk},
        {"form": junk},
    ):
        response = client.post(url(late, today), form)
        assert response.status_code == 400, form
    assert not Hold.objects.exists()


def test_answers_counted_by_another_worker_count_here_too(client, late, today):
    """GIVEN the day's answers recorded by another process (only the timeline
    knows of them) WHEN one more comes THEN it is refused."""
    from relance.timeline.services import record

    for _ in range(services.MAX_ACTIONS_PER_DAY):
        record(
            late.org,
            services.ANSWERED,
            actor=services.actor(late),
            customer_id=late.pk,
            data={"form": "dispute", "invoices": []},
        )
    response = declare(client, late, today)
    assert response.status_code == 429
    assert not Hold.objects.exists() and not notices(late).exists()


def test_a_declared_payment_names_its_invoices_none_is_ticked_for_the_debtor(
    client, late, today
):
    """One click on "Nous le signaler" declared every open invoice paid and
    paused their reminders: the debtor now ticks the invoices they paid."""
    page = client.get(url(late, today)).content.decode()
    declare = page.split('value="declare"')[1].split("</form>")[0]
    assert 'name="invoices"' in declare and "checked" not in declare
