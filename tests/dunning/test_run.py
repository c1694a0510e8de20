import json
from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command

from relance.comms.models import OutboundMessage
from relance.dunning.models import Action, ActionInvoice
from relance.timeline.models import Event
from tests.factories import make_invoice, pay

DUE = date(2026, 10, 1)


def run(org, day, *extra):
    out = StringIO()
    call_command(
        "run",
        "--org",
        org.slug,
        "--date",
        day.isoformat(),
        "--json",
        *extra,
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_run_prints_the_json_contract(acme):
    make_invoice(acme, "F1", DUE, customer_ref="C1")
    make_invoice(acme, "F2", DUE, customer_ref="C1", issued=DUE - timedelta(days=45))
    make_invoice(acme, "F3", DUE, customer_ref="C2", email="")
    result = run(acme, DUE + timedelta(days=1))
    assert result["date"] == "2026-10-02"
    assert result["actions"] == [
        {
            "customer": "C1",
            "step": "reminder_1",
            "channel": "email",
            "tone": "friendly",
            "segment": "good",
            "policy": "default",
            "needs_approval": False,
            "invoices": ["F1", "F2"],
            # Friday 2 October: reminders go out on Tuesday to Thursday mornings.
            "scheduled_at": "2026-10-06T09:00:00+02:00",
            "reason": "1 day past due; first step; too little history (2 invoices): "
            "benefit of the doubt -> policy default",
        }
    ]
    assert result["skipped"] == [
        {"invoice": "F3", "step": "reminder_1", "reason": "no_contact"}
    ]


def test_second_run_same_day_creates_nothing(acme):
    make_invoice(acme, "F1", DUE)
    day = DUE + timedelta(days=1)
    assert len(run(acme, day)["actions"]) == 1
    counts = (
        Action.objects.count(),
        OutboundMessage.objects.count(),
        Event.objects.count(),
    )
    assert run(acme, day)["actions"] == []
    assert counts[:2] == (Action.objects.count(), OutboundMessage.objects.count())


def test_dry_run_writes_nothing(acme):
    make_invoice(acme, "F1", DUE)
    before = Event.objects.count()
    result = run(acme, DUE + timedelta(days=1), "--dry-run")
    assert result["dry_run"] is True and len(result["actions"]) == 1
    assert Action.objects.count() == 0 and OutboundMessage.objects.count() == 0
    assert Event.objects.count() == before
    assert len(run(acme, DUE + timedelta(days=1))["actions"]) == 1


def test_paid_invoices_are_never_reminded(acme):
    inv = make_invoice(acme, "F1", DUE)
    pay(acme, inv, "1200.00", on=DUE)
    for offset in range(-5, 60):
        assert run(acme, DUE + timedelta(days=offset))["actions"] == []


def test_message_is_rendered_in_french_with_french_amounts(acme):
    make_invoice(acme, "F-2026-7", DUE, total="1234.50")
    run(acme, DUE + timedelta(days=1))
    run(acme, DUE + timedelta(days=10))
    msg = OutboundMessage.objects.get(action__step="reminder_2")
    assert msg.subject == "Deuxième relance : facture F-2026-7 toujours impayée"
    assert "1\u202f234,50\xa0€" in msg.body_text
    assert "1 octobre 2026" in msg.body_text
    # Planned on Sunday 11 October, it lands on Tuesday 13: 12 days late then.
    assert "en retard de 12 jours" in msg.body_text
    assert "FR76 3000 6000 0112 3456 7890 189" in msg.body_text
    assert "L441-10" in msg.body_text  # a business customer: penalties are mentioned
    assert msg.to_addresses == ["compta@client.example"]
    assert msg.status == "queued"


def test_english_customer_gets_english_and_consumers_no_b2b_penalty_line(acme):
    inv = make_invoice(acme, "F9", DUE, kind="b2c")
    inv.customer.language = "en"
    inv.customer.save()
    run(acme, DUE + timedelta(days=1))
    run(acme, DUE + timedelta(days=10))
    msg = OutboundMessage.objects.get(action__step="reminder_2")
    assert msg.subject == "Second reminder: invoice F9 still unpaid"
    assert "€1,200.00" in msg.body_text
    assert "L441-10" not in msg.body_text


def test_unique_step_per_invoice_is_enforced_by_the_database(acme):
    import pytest
    from django.db import IntegrityError, transaction

    make_invoice(acme, "F1", DUE)
    run(acme, DUE + timedelta(days=1))
    link = ActionInvoice.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionInvoice.objects.create(
            action=link.action,
            invoice=link.invoice,
            step=link.step,
            run_date=link.run_date,
        )


def test_third_reminder_carries_the_statement_of_sums_due(acme):
    due = date(2025, 5, 15)
    make_invoice(acme, "S-1", due, total="12000.00")
    for offset in (1, 10, 20):
        run(acme, due + timedelta(days=offset))
    msg = OutboundMessage.objects.get(action__step="reminder_3")
    # 20 days at 13.15 % on 12 000 € = 86.47 €, plus the 40 € indemnity.
    assert (
        "pénalités de retard (article L441-10 du Code de commerce) arrêtées au 4 juin 2025 : 86,47\xa0€"
        in msg.body_text
    )
    assert (
        "indemnité forfaitaire pour frais de recouvrement : 40,00\xa0€" in msg.body_text
    )
    assert "Total : 12\u202f126,47\xa0€" in msg.body_text


def test_run_warns_before_a_claim_becomes_time_barred(acme):
    today = date(2026, 11, 22)
    make_invoice(
        acme, "OLD-B2B", date(2021, 12, 15), customer_ref="B"
    )  # bars 2026-12-15
    make_invoice(acme, "GONE-B2B", date(2021, 10, 1), customer_ref="B")
    make_invoice(acme, "OLD-B2C", date(2024, 12, 20), customer_ref="P", kind="b2c")
    make_invoice(acme, "FINE-B2B", date(2024, 12, 20), customer_ref="B")
    warnings = run(acme, today, "--dry-run")["warnings"]
    assert warnings == [
        {
            "invoice": "GONE-B2B",
            "customer": "B",
            "reason": "time_barred",
            "prescription": "2026-10-01",
        },
        {
            "invoice": "OLD-B2B",
            "customer": "B",
            "reason": "time_barred_soon",
            "prescription": "2026-12-15",
        },
        {
            "invoice": "OLD-B2C",
            "customer": "P",
            "reason": "time_barred_soon",
            "prescription": "2026-12-20",
        },
    ]


def test_one_message_about_every_invoice_due_a_step_in_the_most_advanced_tone(acme):
    """F1 is due its second reminder and F2 its first on the same day: one
    message names both, as a second reminder; each invoice's history records
    its own step, so F2 is not reminded a first time again."""
    make_invoice(acme, "F1", DUE)
    run(acme, DUE + timedelta(days=1))  # reminder_1 for F1
    make_invoice(acme, "F2", DUE + timedelta(days=11))
    run(acme, DUE + timedelta(days=13))
    action = Action.objects.get(step="reminder_2")
    links = dict(
        ActionInvoice.objects.filter(action=action).values_list(
            "invoice__number", "step"
        )
    )
    assert links == {"F1": "reminder_2", "F2": "reminder_1"}
    body = OutboundMessage.objects.get(action=action).body_text
    assert "F1" in body and "F2" in body
    assert not Action.objects.filter(
        step="reminder_1", run_date=DUE + timedelta(days=13)
    )
