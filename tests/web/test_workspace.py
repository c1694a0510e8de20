"""The team's workspace beyond the lists: dashboard indicators, the customer's
outlook, holds and notes, uncertain messages, the policy and wording editors,
and imports with their rejected rows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from relance.comms.models import MessageTemplate, OutboundMessage
from relance.dunning.models import Action, Hold, PaymentPlan, PolicySetting
from relance.dunning.policies import policies_for
from relance.dunning.services import run_dunning
from relance.ledger.indicators import month_ends, overdue_trend
from relance.ledger.manual import record_payment
from relance.ledger.models import Invoice, RejectedRow
from relance.orgs.models import org_today
from relance.timeline.models import Event
from tests.conftest import PASSWORD
from tests.factories import make_invoice, pay

pytestmark = pytest.mark.django_db


def escape_free(response) -> str:
    from html import unescape

    return unescape(response.content.decode())


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_month_ends_are_the_last_days_of_the_previous_months_then_today():
    ends = month_ends(date(2026, 3, 15))
    assert len(ends) == 12
    assert ends[0] == date(2025, 4, 30) and ends[-2] == date(2026, 2, 28)
    assert ends[-1] == date(2026, 3, 15)


@time_machine.travel("2026-06-15 10:00 +0200", tick=False)
def test_overdue_trend_counts_what_was_owed_at_each_month_end(acme):
    today = org_today(acme)
    # Issued 1 Feb, due 3 March, half paid on 10 April, the rest on 5 June.
    a = make_invoice(acme, "A", date(2026, 3, 3), "1000.00", issued=date(2026, 2, 1))
    pay(acme, a, "500.00", on=date(2026, 4, 10))
    pay(acme, a, "500.00", on=date(2026, 6, 5))
    # Due 20 May, never paid.
    make_invoice(acme, "B", date(2026, 5, 20), "300.00", issued=date(2026, 4, 20))
    # Paid long before the window: owes nothing at any point.
    old = make_invoice(acme, "OLD", date(2025, 1, 10), "999.00")
    pay(acme, old, "999.00", on=date(2025, 1, 20))
    acme.refresh_from_db()
    points = {p["day"]: p["amount"] for p in overdue_trend(acme, today)}
    assert points[date(2026, 2, 28)] == 0  # A not yet due
    assert points[date(2026, 3, 31)] == Decimal("1000.00")
    assert points[date(2026, 4, 30)] == Decimal("500.00")
    assert points[date(2026, 5, 31)] == Decimal("800.00")
    assert points[today] == Decimal("300.00")
    assert points[date(2025, 7, 31)] == 0
    # Kept until the ledger moves: a payment recorded today shows at once.
    record_payment(acme, Invoice.objects.get(number="B"), "test", received_on=today)
    acme.refresh_from_db()
    assert overdue_trend(acme, today)[-1]["amount"] == 0


def test_dashboard_shows_trend_dso_and_top_customers_scoped_to_sales(
    client, acme, members, books
):
    make_invoice(acme, "F-4", org_today(acme) - timedelta(days=5), customer_ref="C2")
    login(client, members["admin"])
    page = client.get(reverse("dashboard")).content.decode()
    assert "<svg" in page and page.count('class="bar"') == 12
    # Receivables 4 × 1 200 € over 4 800 € invoiced in 90 days: 90 days.
    assert "data-dso>90 jours<" in page
    top = page.split("data-top")[1].split("</table>")[0]
    assert top.index("Client C2") < top.index("Client C1")
    client.logout()
    login(client, members["sales"])
    top = client.get(reverse("dashboard")).content.decode().split("data-top")[1]
    assert "Client C1" in top.split("</table>")[0]
    assert "Client C2" not in top.split("</table>")[0]


def test_customer_page_shows_segment_and_the_next_step(client, acme, members, books):
    login(client, members["admin"])
    customer = books["owned"].customer
    page = client.get(reverse("customer", args=[customer.pk])).content.decode()
    # One invoice in the year, 20 days late: too little history to judge.
    assert 'data-segment="good"' in page and "20 jours de retard en moyenne" in page
    nxt = page.split("data-next")[1].split("</table>")[0]
    # Twenty days late and never reminded: a first reminder, as the run would do.
    assert "F-1" in nxt and ("Première relance" in nxt or "First reminder" in nxt)


def test_team_records_and_ends_holds_plans_and_notes(client, acme, members, books):
    login(client, members["collector"])
    customer = books["other"].customer
    url = reverse("hold_add", args=[customer.pk])
    until = (org_today(acme) + timedelta(days=10)).isoformat()
    client.post(url, {"kind": "promised", "invoice": "F-2", "until": until})
    hold = Hold.objects.get(customer=customer, kind="promised")
    assert hold.invoice.number == "F-2" and hold.created_by == "collector@acme.example"
    page = client.get(reverse("customer", args=[customer.pk])).content.decode()
    assert "Promesse de paiement" in page.split("data-next")[1].split("</table>")[0]
    # A promise needs a date: refused with the reason, nothing written.
    response = client.post(url, {"kind": "promised", "invoice": "F-3"}, follow=True)
    assert "Promesse de paiement : il faut une date de fin." in escape_free(response)
    assert Hold.objects.filter(customer=customer).count() == 1
    client.post(reverse("hold_end", args=[hold.pk]), {"reason": "paid by phone"})
    hold.refresh_from_db()
    assert hold.ended_by == "collector@acme.example" and hold.ended_at is not None
    # A plan in three monthly instalments.
    first = (org_today(acme) + timedelta(days=5)).isoformat()
    client.post(
        url, {"kind": "payment_plan", "invoice": "F-2", "count": "3", "until": first}
    )
    plan = PaymentPlan.objects.get(invoice=books["other"])
    assert [i.amount for i in plan.instalments.all()] == [Decimal("400.00")] * 3
    client.post(reverse("plan_cancel", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == "cancelled"
    client.post(reverse("note_add", args=[customer.pk]), {"text": "Rappeler lundi"})
    kinds = list(
        Event.objects.filter(customer_id=customer.pk).values_list("kind", flat=True)
    )
    for kind in ("hold.added", "hold.ended", "plan.created", "plan.cancelled"):
        assert kind in kinds
    note = Event.objects.get(kind="note.added")
    assert note.data["text"] == "Rappeler lundi" and note.actor.startswith("collector")


def test_sales_comment_on_their_customers_only(client, acme, members, books):
    login(client, members["sales"])
    own, other = books["owned"].customer, books["other"].customer
    assert (
        client.post(reverse("note_add", args=[own.pk]), {"text": "Vu"}).status_code
        == 302
    )
    assert (
        client.post(reverse("note_add", args=[other.pk]), {"text": "x"}).status_code
        == 404
    )
    assert (
        client.post(reverse("hold_add", args=[own.pk]), {"kind": "paused"}).status_code
        == 403
    )
    client.logout()
    login(client, members["read_only"])
    assert (
        client.post(reverse("note_add", args=[own.pk]), {"text": "x"}).status_code
        == 403
    )
    assert Event.objects.filter(kind="note.added").count() == 1


def uncertain_message(acme, books):
    return OutboundMessage.objects.create(
        org=acme,
        customer=books["other"].customer,
        action=books["action"],
        from_address="compta@acme.example",
        to_addresses=["compta@client.example"],
        subject="Facture F-2",
        body_text="Bonjour",
        message_id="<u1@acme.example>",
        status="uncertain",
    )


@pytest.mark.parametrize("decision, status", [("sent", "sent"), ("resend", "queued")])
def test_a_person_settles_an_uncertain_message(
    client, acme, members, books, decision, status
):
    message = uncertain_message(acme, books)
    login(client, members["collector"])
    page = client.get(reverse("message", args=[message.pk])).content.decode()
    assert "data-decisions" in page
    client.post(reverse("message_resolve", args=[message.pk]), {"decision": decision})
    message.refresh_from_db()
    assert message.status == status
    event = Event.objects.filter(customer_id=message.customer_id).latest("seq")
    assert event.actor == "collector@acme.example"
    if decision == "sent":
        assert Action.objects.get(pk=books["action"].pk).status == "done"
    # Settled: a second decision is refused and changes nothing.
    response = client.post(
        reverse("message_resolve", args=[message.pk]), {"decision": "cancel"}
    )
    message.refresh_from_db()
    assert message.status == status and response.status_code == 302
    if status == "queued":
        assert message.next_attempt_at is None


def test_a_message_held_for_approval_is_not_sent_from_the_outbox(
    client, acme, members, books
):
    message = uncertain_message(acme, books)  # its action awaits approval
    message.status, message.status_reason = "held", "awaiting approval"
    message.save()
    login(client, members["admin"])
    page = client.get(reverse("message", args=[message.pk])).content.decode()
    assert "data-decisions" not in page
    client.post(reverse("message_resolve", args=[message.pk]), {"decision": "resend"})
    message.refresh_from_db()
    assert message.status == "held"


def test_read_only_members_cannot_settle_messages(client, acme, members, books):
    message = uncertain_message(acme, books)
    login(client, members["read_only"])
    page = client.get(reverse("message", args=[message.pk])).content.decode()
    assert "data-decisions" not in page
    url = reverse("message_resolve", args=[message.pk])
    assert client.post(url, {"decision": "sent"}).status_code == 403
    message.refresh_from_db()
    assert message.status == "uncertain"


def policy_form(client, segment="good"):
    """The editor's form as the browser would post it, from the page itself."""
    page = client.get(reverse("policy", args=[segment]))
    data = page.context["data"]
    form = {
        "min_amount": data["min_amount"],
        "approval_amount": data["approval_amount"] or "",
        "min_gap_days": data["min_gap_days"],
        "thank_you_within_days": data["thank_you_within_days"],
        "thank_you": "on",
    }
    for step in data["steps"]:
        key = step["key"]
        form.update(
            {
                f"{key}-enabled": "on",
                f"{key}-offset_days": step["offset_days"],
                f"{key}-channel": step["channel"],
                f"{key}-tone": step["tone"],
                f"{key}-weekdays": step["weekdays"],
                f"{key}-start": step["start"],
                f"{key}-end": step["end"],
            }
        )
    return form


def test_policy_editor_previews_checks_and_saves(client, acme, members):
    login(client, members["admin"])
    page = client.get(reverse("policy", args=["good"])).content.decode()
    assert "data-preview" in page and 'class="calendar"' in page
    form = policy_form(client)
    # Nothing due before day 6: a reminder on day 6, no call.
    form.update({"reminder_1-offset_days": "6", "call-enabled": ""})
    form.pop("call-enabled")
    preview = client.post(
        reverse("policy", args=["good"]), {**form, "action": "preview"}
    )
    assert preview.status_code == 200 and not PolicySetting.objects.exists()
    rows = preview.content.decode().split("data-preview")[1].split("</table>")[0]
    assert "Appel" not in rows and "Phone call" not in rows
    # A wrong edit: every problem shown, nothing kept.
    bad = {**form, "reminder_2-offset_days": "2", "action": "save"}
    response = client.post(reverse("policy", args=["good"]), bad)
    assert "keep their order" in response.content.decode()
    assert not PolicySetting.objects.exists()
    client.post(reverse("policy", args=["good"]), {**form, "action": "save"})
    saved = policies_for(acme)["good"]
    assert saved.steps[saved.index("reminder_1")].offset_days == 6
    assert saved.index("call") is None
    assert policies_for(acme)["default"] == saved
    assert Event.objects.filter(kind="policy.saved").exists()
    client.post(reverse("policy", args=["good"]), {"action": "reset"})
    assert policies_for(acme)["good"].index("call") is not None


def test_a_saved_policy_drives_the_next_run(client, acme, members):
    today = org_today(acme)
    make_invoice(acme, "F-9", today - timedelta(days=3), customer_ref="C9")
    login(client, members["admin"])
    form = policy_form(client)
    form.update({"reminder_1-offset_days": "6", "call-offset_days": "7"})
    client.post(reverse("policy", args=["good"]), {**form, "action": "save"})
    run_dunning(acme, today)
    assert not Action.objects.filter(org=acme).exists()  # day 3 of 6
    run_dunning(acme, today + timedelta(days=3))
    assert list(Action.objects.values_list("step", "policy")) == [
        ("reminder_1", "good")
    ]


def test_only_admins_edit_policies_and_wording(client, members):
    for role in ("collector", "sales", "read_only"):
        login(client, members[role])
        for url in (
            reverse("policies"),
            reverse("policy", args=["good"]),
            reverse("templates"),
            reverse("template", args=["reminder_1", "fr"]),
            reverse("template", args=["formal_notice", "fr"]),
            reverse("template", args=["text_reminder_1", "en"]),
        ):
            assert client.get(url).status_code == 403, (role, url)
            assert client.post(url, {"action": "pdf"}).status_code == 403
        client.logout()


def test_wording_editor_previews_on_a_real_invoice_and_refuses_bad_templates(
    client, acme, members, books
):
    login(client, members["admin"])
    url = reverse("template", args=["reminder_1", "fr"])
    page = client.get(url).content.decode()
    # The preview uses the oldest overdue invoice: F-2, 40 days late.
    assert "F-2" in page.split("data-body")[1] and "40 jours" in page
    broken = {"subject": "Relance {% if %}", "body": "x", "action": "save"}
    response = client.post(url, broken).content.decode()
    assert "Nothing was saved" in response or "Rien n" in response
    assert not MessageTemplate.objects.exists()
    loads = {
        "subject": "x",
        "body": "{% load static %}{% static 'a' %}",
        "action": "save",
    }
    assert "static" in client.post(url, loads).content.decode()
    assert not MessageTemplate.objects.exists()
    # The sandbox sees plain values: nothing of the models behind them.
    probe = {
        "subject": "Relance {{ customer.ref }}",
        "body": "[{{ customer.account_owner.password }}][{{ customer.org.iban }}]",
        "action": "preview",
    }
    preview = client.post(url, probe).content.decode()
    assert "Relance C2" in preview and "[][]" in preview


def test_saved_wording_is_what_customers_receive(client, acme, members):
    today = org_today(acme)
    make_invoice(acme, "F-7", today - timedelta(days=2), customer_ref="C7")
    login(client, members["admin"])
    url = reverse("template", args=["reminder_1", "fr"])
    own = {
        "subject": "Petit rappel : facture {{ numbers }}",
        "body": 'Bonjour,\n{% include "comms/email/fr/_lines.txt" %}Merci,\n{{ signature }}',
        "action": "save",
    }
    client.post(url, own)
    assert MessageTemplate.objects.get().updated_by == "admin@acme.example"
    run_dunning(acme, today)
    message = OutboundMessage.objects.get(action__step="reminder_1")
    assert message.subject == "Petit rappel : facture F-7"
    assert "facture F-7" in message.body_text and message.body_text.startswith(
        "Bonjour,"
    )
    # Back to relance's wording for the next messages.
    client.post(url, {"action": "reset"})
    assert not MessageTemplate.objects.exists()


def test_letters_and_texts_are_worded_in_the_editor_with_a_pdf_preview(
    client, acme, members, books
):
    import io

    from pypdf import PdfReader

    from relance.core.sms import sms_parts

    login(client, members["admin"])
    listing = client.get(reverse("templates")).content.decode()
    for name in ("formal_notice", "registered_letter", "text_reminder_3"):
        assert reverse("template", args=[name, "en"]) in listing
    url = reverse("template", args=["formal_notice", "fr"])
    page = escape_free(client.get(url))
    # The letter to the customer with the oldest overdue invoice, as its PDF says.
    shown = page.split("data-body")[1]
    assert "Client C2" in shown and "F-2" in shown and "mettons en demeure" in shown
    subject, body = "Mise en demeure", "[[invoices]]\n\n[[statement]]\n\n[[demand]]"
    edited = {"subject": subject, "body": "Cher client {{ customer.ref }},\n\n" + body}
    response = client.post(url, {**edited, "action": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert "Cher client C2," in pages[0].extract_text()
    assert not MessageTemplate.objects.exists()
    # Without the demand, nothing is kept, and the page says why.
    response = client.post(url, {**edited, "body": "Bonjour", "action": "save"})
    assert (
        "[[demand]]" in escape_free(response) and not MessageTemplate.objects.exists()
    )
    # A text: no subject, its length in SMS.
    page = escape_free(client.get(reverse("template", args=["text_reminder_1", "fr"])))
    body = page.split("data-body>")[1].split("</pre>")[0]
    assert 'name="subject"' not in page and "F-2" in body
    parts = page.split("data-parts>")[1].split("</small>")[0]
    assert parts.endswith(f"{len(body)} caractères, {sms_parts(body)} SMS"), parts


CSV = (
    "numero;code_client;client;email;date;echeance;total\n"
    "F-100;C100;Client Cent;a@c.example;01/10/2026;31/10/2026;120,00\n"
    "F-101;C100;Client Cent;a@c.example;pas une date;31/10/2026;80,00\n"
)


def test_import_screen_shows_each_rejected_row_with_its_reason(client, acme, members):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, members["collector"])
    upload = SimpleUploadedFile("factures.csv", CSV.encode(), "text/csv")
    response = client.post(
        reverse("imports"), {"kind": "invoices", "file": upload}, follow=True
    )
    page = response.content.decode()
    assert Invoice.objects.filter(org=acme, number="F-100").exists()
    assert not Invoice.objects.filter(org=acme, number="F-101").exists()
    row = RejectedRow.objects.get()
    assert row.row == 3 and "pas une date" in page.split("data-rejected-rows")[1]
    assert escape(row.reason) in page
    listing = client.get(reverse("imports")).content.decode()
    assert "factures.csv" in listing
    client.logout()
    login(client, members["sales"])
    assert client.get(reverse("imports")).status_code == 403
    assert client.get(reverse("import", args=[row.batch_id])).status_code == 403


def test_invoice_page_offers_its_pdf_and_letters_and_the_timeline_its_messages(
    client, acme, members, books
):
    from django.core.files.base import ContentFile

    invoice = books["other"]
    invoice.document.save("f2.pdf", ContentFile(b"%PDF-1.4 F-2"))
    letter = Action.objects.create(
        org=acme,
        customer=invoice.customer,
        step="formal_notice",
        channel="letter",
        tone="legal",
        template="formal_notice",
        run_date=org_today(acme),
        scheduled_at=books["action"].scheduled_at,
        status="todo",
        document="letters/notice.pdf",
    )
    letter.invoices.add(
        invoice, through_defaults={"step": "formal_notice", "run_date": letter.run_date}
    )
    message = uncertain_message(acme, books)
    client.force_login(members["collector"])
    client.post(reverse("message_resolve", args=[message.pk]), {"decision": "sent"})
    page = client.get(reverse("invoice", args=[invoice.pk])).content.decode()
    documents = page.split("data-documents")[1].split("</ul>")[0]
    assert reverse("invoice_document", args=[invoice.pk]) in documents
    assert reverse("action_document", args=[letter.pk]) in documents
    assert "Mise en demeure" in documents
    pdf = client.get(reverse("invoice_document", args=[invoice.pk]))
    assert b"".join(pdf.streaming_content) == b"%PDF-1.4 F-2"
    timeline = client.get(reverse("customer", args=[invoice.customer_id])).content
    assert reverse("message", args=[message.pk]) in timeline.decode()
    # Sales do not own this customer: its PDF is as if it did not exist.
    client.force_login(members["sales"])
    assert client.get(reverse("invoice_document", args=[invoice.pk])).status_code == 404
