"""The engine's judgement through the database and the CLI: holds, promises,
crossing guard, approval, segments from real payment history."""

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relance.comms.models import OutboundMessage
from relance.comms.services import send_outbox
from relance.dunning.models import Action, Hold
from relance.ledger.models import Payment
from relance.timeline.models import Event
from tests.factories import make_invoice, pay

DUE = date(2026, 10, 1)


def cmd(*args):
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def run(org, day, *extra):
    return cmd("run", "--org", org.slug, "--date", day.isoformat(), *extra)


def test_dispute_and_block_through_the_cli(acme):
    make_invoice(acme, "F1", DUE, customer_ref="C1")
    make_invoice(acme, "F2", DUE, customer_ref="C1")
    make_invoice(acme, "F3", DUE, customer_ref="C2")
    hold = cmd(
        "hold",
        "add",
        "disputed",
        "--org",
        "acme",
        "--invoice",
        "F1",
        "--reason",
        "livraison incomplète",
    )
    cmd(
        "hold",
        "add",
        "blocked",
        "--org",
        "acme",
        "--customer",
        "C2",
        "--reason",
        "procédure collective",
    )
    result = run(acme, DUE + timedelta(days=1))
    assert [(a["customer"], a["invoices"]) for a in result["actions"]] == [
        ("C1", ["F2"])
    ]
    assert sorted((s["invoice"], s["reason"]) for s in result["skipped"]) == [
        ("F1", "disputed"),
        ("F3", "blocked"),
    ]
    listed = cmd("hold", "list", "--org", "acme")
    assert {h["kind"] for h in listed} == {"disputed", "blocked"}
    cmd("hold", "end", str(hold["id"]), "--org", "acme", "--reason", "avoir émis")
    assert Event.objects.filter(kind="hold.ended", data__reason="avoir émis").exists()
    # Day 8: C1's call about F2 takes the day (one contact a day); F1 goes next.
    day8 = run(acme, DUE + timedelta(days=8))
    assert [(a["step"], a["invoices"]) for a in day8["actions"]] == [("call", ["F2"])]
    assert {
        "invoice": "F1",
        "step": "reminder_1",
        "reason": "one_contact_per_day",
    } in day8["skipped"]
    day9 = run(acme, DUE + timedelta(days=9))
    assert [(a["step"], a["invoices"]) for a in day9["actions"]] == [
        ("reminder_1", ["F1"])
    ]


def test_hold_rules_are_explained(acme):
    make_invoice(acme, "F1", DUE, customer_ref="C1")
    # In the installation's language (French by default).
    with pytest.raises(CommandError, match="date de fin"):
        cmd("hold", "add", "promised", "--org", "acme", "--invoice", "F1")
    with pytest.raises(CommandError, match="une seule facture"):
        cmd("hold", "add", "disputed", "--org", "acme", "--customer", "C1")
    with pytest.raises(CommandError, match="tout le client"):
        cmd("hold", "add", "blocked", "--org", "acme", "--invoice", "F1")


def test_a_broken_promise_is_recorded_and_the_next_step_goes_at_once(acme):
    make_invoice(acme, "F1", DUE)
    run(acme, DUE + timedelta(days=1))
    cmd(
        "hold",
        "add",
        "promised",
        "--org",
        "acme",
        "--invoice",
        "F1",
        "--until",
        (DUE + timedelta(days=5)).isoformat(),
    )
    assert run(acme, DUE + timedelta(days=4))["skipped"][0]["reason"] == "promised"
    result = run(acme, DUE + timedelta(days=6))
    assert [a["step"] for a in result["actions"]] == ["call"]
    assert "promise to pay broken" in result["actions"][0]["reason"]
    hold = Hold.objects.get()
    assert hold.ended_at is not None and hold.end_reason.startswith("broken")
    assert Event.objects.filter(kind="promise.broken").count() == 1


def test_a_kept_promise_is_recorded_as_kept(acme):
    inv = make_invoice(acme, "F1", DUE)
    cmd(
        "hold",
        "add",
        "promised",
        "--org",
        "acme",
        "--invoice",
        "F1",
        "--until",
        (DUE + timedelta(days=5)).isoformat(),
    )
    pay(acme, inv, "1200.00", DUE + timedelta(days=4))
    run(acme, DUE + timedelta(days=6))
    assert Hold.objects.get().end_reason == "kept: paid"


def test_stale_bank_data_and_unmatched_payments_hold_reminders(acme):
    make_invoice(acme, "F1", DUE, customer_ref="C1")
    inv2 = make_invoice(acme, "F2", DUE, customer_ref="C2")
    acme.bank_max_age_days = 3
    acme.bank_data_as_of = DUE - timedelta(days=5)
    acme.save()
    result = run(acme, DUE + timedelta(days=1))
    assert result["bank_data_stale"] is True and result["actions"] == []
    assert {s["reason"] for s in result["skipped"]} == {"bank_data_stale"}
    acme.bank_data_as_of = DUE
    acme.save()
    Payment.objects.create(
        org=acme,
        customer=inv2.customer,
        received_on=DUE,
        amount=Decimal("1200.00"),
        source="bank",
        reference="VIR C2",
    )
    result = run(acme, DUE + timedelta(days=1))
    assert [a["customer"] for a in result["actions"]] == ["C1"]
    assert result["skipped"] == [
        {"invoice": "F2", "step": "reminder_1", "reason": "payment_pending"}
    ]


def test_letters_to_key_accounts_wait_for_approval(acme, settings, tmp_path):
    settings.MEDIA_ROOT, settings.DATA_DIR = tmp_path / "documents", tmp_path
    c1 = make_invoice(acme, "K1", DUE, customer_ref="KEY").customer
    c1.key_account = True
    c1.save()
    make_invoice(acme, "K2", DUE, customer_ref="KEY2")
    for offset in (3, 14, 25, 35):
        run(acme, DUE + timedelta(days=offset))
    waiting = cmd("actions", "list", "--org", "acme", "--status", "approval")
    assert [(a["customer"], a["step"]) for a in waiting] == [
        ("KEY", "registered_letter")
    ]
    assert waiting[0]["segment"] == "key_account"
    action = Action.objects.get(pk=waiting[0]["id"])
    approved = cmd("actions", "approve", str(action.pk), "--org", "acme")
    assert approved["status"] == "todo"
    with pytest.raises(CommandError, match="not awaiting approval"):
        cmd("actions", "skip", str(action.pk), "--org", "acme")
    assert (
        Action.objects.get(customer__ref="KEY2", step="registered_letter").status
        == "todo"
    )
    # The approved letter goes out from the outbox, as every message: to the
    # print batch (KEY2, a plain customer, got its letter without approval).
    send_outbox(acme)
    assert (
        Event.objects.filter(kind="letter.submitted", data__action=action.pk).count()
        == 1
    )
    assert (
        Action.objects.get(customer__ref="KEY2", step="registered_letter").status
        == "done"
    )


def test_email_awaiting_approval_is_held_then_edited_and_released(acme, monkeypatch):
    from dataclasses import replace

    from relance.core import policy as core_policy
    from relance.dunning import approvals

    strict = replace(core_policy.DEFAULT_POLICY, approval_amount=Decimal("1000"))
    monkeypatch.setitem(core_policy.POLICIES, "good", strict)
    make_invoice(acme, "BIG", DUE, total="25000.00")
    result = run(acme, DUE + timedelta(days=1))
    assert result["actions"][0]["needs_approval"] is True
    message = OutboundMessage.objects.get()
    assert (message.status, message.status_reason) == ("held", "awaiting approval")
    action = message.action
    approvals.edit_message(
        action, subject="Facture BIG", body="Bonjour,\nmerci.", actor="alice"
    )
    approvals.approve(action, actor="alice")
    message.refresh_from_db()
    assert (message.status, message.subject) == ("queued", "Facture BIG")
    assert Event.objects.filter(kind="message.edited").exists()


def test_segment_comes_from_the_payment_history(acme):
    # Six invoices paid 30+ days late in the last year make a chronic late payer.
    for n in range(6):
        due = DUE - timedelta(days=40 * (n + 1))
        inv = make_invoice(acme, f"OLD{n}", due, customer_ref="SLOW")
        pay(acme, inv, "1200.00", due + timedelta(days=35))
    make_invoice(acme, "NEW", DUE, customer_ref="SLOW")
    result = run(acme, DUE + timedelta(days=1))
    assert result["actions"][0]["segment"] == "chronic"
    assert (
        "chronic late payer: 6 of 7 invoices paid late"
        in result["actions"][0]["reason"]
    )
    assert result["actions"][0]["policy"] == "chronic"


def test_skipping_an_action_cancels_its_message(acme, monkeypatch):
    from dataclasses import replace

    from relance.core import policy as core_policy

    monkeypatch.setitem(
        core_policy.POLICIES,
        "good",
        replace(core_policy.DEFAULT_POLICY, approval_amount=Decimal("1")),
    )
    make_invoice(acme, "S1", DUE)
    run(acme, DUE + timedelta(days=1))
    action = Action.objects.get()
    skipped = cmd(
        "actions", "skip", str(action.pk), "--org", "acme", "--reason", "déjà appelé"
    )
    assert skipped["status"] == "cancelled"
    assert OutboundMessage.objects.get().status == "cancelled"
    assert run(acme, DUE + timedelta(days=1))["actions"] == []  # the step stays done


def test_call_sheet_and_account_owner_involvement(acme, alice, client, smtp):
    from django.urls import reverse

    from relance.comms.services import send_outbox
    from relance.ledger.models import Contact
    from tests.conftest import PASSWORD

    bigs = [
        make_invoice(acme, f"B{n}", DUE, total="4000.00", customer_ref="BIG")
        for n in range(3)
    ]
    customer = bigs[0].customer
    customer.account_owner = alice
    customer.save()
    Contact.objects.create(
        org=acme,
        customer=customer,
        name="Mme Roux",
        phone="04 78 00 00 01",
        role="accounts_payable",
    )
    run(acme, DUE + timedelta(days=1))
    run(acme, DUE + timedelta(days=2))
    call = Action.objects.get(step="call")
    notice = OutboundMessage.objects.get(channel="internal")
    assert notice.to_addresses == ["alice@acme.example"]
    assert "appel de relance prévu" in notice.subject
    assert client.login(username=alice.username, password=PASSWORD)
    page = client.get(reverse("action", args=[call.pk])).content.decode()
    assert "Fiche d'appel" in page and "Mme Roux" in page and "04 78 00 00 01" in page
    assert "B0" in page and "B2" in page
    run(acme, DUE + timedelta(days=11))  # reminder_2: the owner in copy
    second = OutboundMessage.objects.get(action__step="reminder_2")
    assert second.cc_addresses == ["alice@acme.example"]
    send_outbox(acme)
    received = {m["Subject"]: m for m in smtp.messages}
    assert any(m["Cc"] == "alice@acme.example" for m in received.values())


def test_bank_data_guard_is_set_from_the_cli(acme):
    make_invoice(acme, "G1", DUE)
    cmd(
        "org",
        "set",
        "acme",
        "--bank-max-age-days",
        "3",
        "--bank-data-as-of",
        (DUE - timedelta(days=10)).isoformat(),
    )
    assert run(acme, DUE + timedelta(days=1))["bank_data_stale"] is True
    cmd("org", "set", "acme", "--bank-max-age-days", "0")  # off
    assert run(acme, DUE + timedelta(days=1))["bank_data_stale"] is False
    with pytest.raises(CommandError, match="IBAN"):
        cmd("org", "set", "acme", "--iban", "FR76 0000")
    assert Event.objects.filter(kind="org.updated").count() == 2


def test_payment_plan_instalments_are_chased_instead_of_the_invoice(acme):
    inv = make_invoice(acme, "PP-1", DUE, total="900.00")
    run(acme, DUE + timedelta(days=1))  # reminder_1 for the invoice
    plan = cmd(
        "plan",
        "add",
        "--org",
        "acme",
        "--invoice",
        "PP-1",
        "--instalment",
        "2026-10-20:300",
        "--instalment",
        "2026-11-20:300",
        "--instalment",
        "2026-12-20:300",
        "--reason",
        "trésorerie tendue",
    )
    assert [i["open"] for i in plan["instalments"]] == ["300.00"] * 3
    day = run(acme, DUE + timedelta(days=12))  # the invoice's reminder_2 would be due
    assert day["actions"] == []
    assert {"invoice": "PP-1", "step": "reminder_2", "reason": "payment_plan"} in day[
        "skipped"
    ]
    due_soon = run(acme, date(2026, 10, 17))
    assert [(a["step"], a["instalment"]) for a in due_soon["actions"]] == [
        ("instalment_due", 1)
    ]
    msg = OutboundMessage.objects.get(action__step="instalment_due")
    assert msg.subject == "Échéance 1/3 de votre plan de paiement — facture PP-1"
    assert "20 octobre 2026 : 300,00\xa0€" in msg.body_text
    pay(acme, inv, "300.00", date(2026, 10, 20))
    assert run(acme, date(2026, 10, 21))["actions"] == []  # instalment 1 paid
    late = run(acme, date(2026, 11, 21))
    assert [(a["step"], a["instalment"]) for a in late["actions"]] == [
        ("instalment_late", 2)
    ]
    # Unpaid 16 days after its date: the plan breaks and the invoice is chased again,
    # 66 days late: the highest step whose prerequisites are met, not legal action.
    after = run(acme, date(2026, 12, 6))
    assert cmd("plan", "list", "--org", "acme")[0]["status"] == "broken"
    assert Event.objects.filter(kind="plan.broken").count() == 1
    assert [a["step"] for a in after["actions"]] == ["registered_letter"]


def test_a_plan_must_add_up_to_what_is_open(acme):
    make_invoice(acme, "PP-2", DUE, total="900.00")
    with pytest.raises(
        CommandError, match=r"add up to 800\.00, the invoice has 900\.00"
    ):
        cmd(
            "plan",
            "add",
            "--org",
            "acme",
            "--invoice",
            "PP-2",
            "--instalment",
            "2026-10-20:400",
            "--instalment",
            "2026-11-20:400",
        )
    with pytest.raises(CommandError, match="strictly increase"):
        cmd(
            "plan",
            "add",
            "--org",
            "acme",
            "--invoice",
            "PP-2",
            "--instalment",
            "2026-11-20:450",
            "--instalment",
            "2026-10-20:450",
        )


def test_history_of_paid_invoices_still_counts_for_the_gap_but_is_not_reloaded(acme):
    from relance.dunning import snapshot
    from relance.dunning.policies import policies_for

    a = make_invoice(acme, "H-A", DUE, customer_ref="H")
    run(acme, DUE + timedelta(days=1))  # reminder_1 for H-A
    pay(acme, a, "1200.00", DUE + timedelta(days=2))
    make_invoice(acme, "H-B", DUE + timedelta(days=2), customer_ref="H")
    result = run(acme, DUE + timedelta(days=3))
    assert {"invoice": "H-B", "step": "reminder_1", "reason": "min_gap"} in result[
        "skipped"
    ]
    # Day 3 also thanked the customer for H-A: a written contact, so H-B's first
    # reminder waits five days from it.
    assert run(acme, DUE + timedelta(days=7))["actions"] == []
    assert run(acme, DUE + timedelta(days=8))["actions"][0]["invoices"] == ["H-B"]
    # Months later, the paid invoice's steps are no longer read; the open one's are.
    later = DUE + timedelta(days=200)
    snap = snapshot.load(acme, policies_for(acme), later)
    assert {h.invoice_id for h in snap.history} == {
        i.pk for i in acme.invoice_set.filter(number="H-B")
    }
