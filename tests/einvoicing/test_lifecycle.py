"""What relance does with the statuses the e-invoicing platforms send: GIVEN an
invoice of Acme's, WHEN its platform says X about it, THEN the hold, task,
payment and timeline a credit manager expects."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from relance.dunning.models import Hold, HoldKind, Task, TaskKind
from relance.einvoicing.models import InvoiceStatus, StatusMessage
from relance.einvoicing.services import import_statuses
from relance.formats.cdar import read_cdar
from relance.timeline.models import Event
from tests.factories import make_invoice, pay

from .cdar_files import status_file

DUE = date(2026, 11, 1)
ISSUED = date(2026, 10, 2)


@pytest.fixture
def invoice(acme):
    return make_invoice(acme, "F-2026-001", DUE, issued=ISSUED)


def _holds(invoice, kind):
    return Hold.objects.filter(invoice=invoice, kind=kind, ended_at__isnull=True)


def test_refused_stops_chasing_and_opens_a_task(acme, invoice):
    data = status_file(("F-2026-001", "210", "20261002", "Commande non reçue"))
    summary = import_statuses(acme, data)
    assert [a["invoice"] for a in summary["applied"]] == ["F-2026-001"]
    hold = _holds(invoice, HoldKind.DISPUTE).get()
    assert "Commande non reçue" in hold.reason and "PA-1" in hold.reason
    task = Task.objects.get(org=acme, kind=TaskKind.INVOICE_REFUSED)
    assert task.summary.startswith("Le client a refusé la facture F-2026-001")
    assert "Commande non reçue" in task.summary
    event = Event.objects.get(org=acme, kind="einvoicing.status")
    assert event.invoice_id == invoice.pk and event.data["code"] == "210"
    assert InvoiceStatus.objects.get(invoice=invoice).code == "210"


def test_dispute_is_a_hold_with_the_reason_and_the_platform_reference(acme, invoice):
    import_statuses(
        acme,
        status_file(("F-2026-001", "207", "20261002", "Prix erroné"), message="PA-9"),
    )
    hold = _holds(invoice, HoldKind.DISPUTE).get()
    assert hold.reason == "Prix erroné (En litige, PA-9)"
    assert not Task.objects.filter(org=acme).exists()


def test_suspended_pauses_until_completed(acme, invoice):
    import_statuses(acme, status_file(("F-2026-001", "208", "20261002", "PO manquant")))
    pause = _holds(invoice, HoldKind.PAUSE).get()
    assert pause.until == date(2026, 11, 20) + timedelta(days=60)
    import_statuses(
        acme, status_file(("F-2026-001", "209", "20261002"), message="PA-2")
    )
    pause.refresh_from_db()
    assert pause.ended_at is not None and "Complétée" in pause.end_reason


def test_completed_ends_only_the_platforms_pause(acme, invoice):
    from relance.dunning.holds import add_hold

    mine = add_hold(
        acme,
        HoldKind.PAUSE,
        invoice.customer,
        invoice=invoice,
        until=date(2026, 12, 31),
        actor="alice",
    )
    import_statuses(acme, status_file(("F-2026-001", "209", "20261002")))
    mine.refresh_from_db()
    assert mine.ended_at is None


def test_approved_is_a_fact_with_its_day(acme, invoice):
    import_statuses(acme, status_file(("F-2026-001", "205", "20261002")))
    status = InvoiceStatus.objects.get(invoice=invoice)
    assert status.approved_on == date(2026, 11, 20)
    # A later status keeps the approval.
    import_statuses(
        acme, status_file(("F-2026-001", "211", "20261002"), message="PA-3")
    )
    status.refresh_from_db()
    assert status.code == "211" and status.approved_on == date(2026, 11, 20)


def test_payment_sent_holds_for_a_bounded_time_then_paid_records_it(acme, invoice):
    import_statuses(acme, status_file(("F-2026-001", "211", "20261002")))
    pending = _holds(invoice, HoldKind.PAYMENT_PENDING).get()
    assert pending.until == date(2026, 11, 30)
    import_statuses(
        acme,
        status_file(("F-2026-001", "212", "20261002", "", "1200.00"), message="PA-4"),
    )
    invoice.refresh_from_db()
    assert invoice.is_paid and invoice.paid_on == date(2026, 11, 20)
    pending.refresh_from_db()
    assert pending.ended_at is not None


def test_partly_paid_records_the_amount_said(acme, invoice):
    import_statuses(acme, status_file(("F-2026-001", "212", "20261002", "", "200.00")))
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("200.00") and not invoice.is_paid


def test_paid_status_on_a_paid_invoice_changes_nothing(acme, invoice):
    pay(acme, invoice, "1200.00", date(2026, 11, 10))
    summary = import_statuses(acme, status_file(("F-2026-001", "212", "20261002")))
    assert len(summary["applied"]) == 1
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("1200.00")


def test_statuses_are_matched_by_number_seller_and_date(acme, invoice):
    summary = import_statuses(
        acme,
        status_file(("F-2026-001", "207", "20261003"), ("F-404", "207", "20261002")),
    )
    assert [u["invoice"] for u in summary["unmatched"]] == ["F-2026-001", "F-404"]
    assert "est datée du 2026-10-02" in summary["unmatched"][0]["reason"]
    other_seller = status_file(("F-2026-001", "207", "20261002"), seller="552100554")
    summary = import_statuses(acme, other_seller)
    assert "552100554" in summary["unmatched"][0]["reason"]
    assert not Hold.objects.filter(invoice=invoice).exists()
    assert not StatusMessage.objects.exists()


def test_the_same_file_twice_acts_once(acme, invoice):
    data = status_file(("F-2026-001", "207", "20261002", "Prix"))
    import_statuses(acme, data)
    summary = import_statuses(acme, data)
    assert len(summary["duplicates"]) == 1
    assert Hold.objects.filter(invoice=invoice).count() == 1
    assert Event.objects.filter(org=acme, kind="einvoicing.status").count() == 1


def test_an_invoice_of_another_organisation_is_never_touched(acme, other):
    theirs = make_invoice(other, "F-2026-001", DUE, issued=ISSUED)
    import_statuses(acme, status_file(("F-2026-001", "210", "20261002")))
    assert not Hold.objects.filter(invoice=theirs).exists()


def test_commands_import_and_export_paid(acme, invoice, tmp_path, capsys):
    path = tmp_path / "statuts.xml"
    path.write_bytes(status_file(("F-2026-001", "205", "20261002")))
    call_command("lifecycle", "import", str(path), "--org", "acme", "--json")
    assert json.loads(capsys.readouterr().out)["applied"][0]["code"] == "205"
    pay(acme, invoice, "1200.00", date(2026, 11, 25))
    out = tmp_path / "encaissees.xml"
    call_command(
        "lifecycle",
        "export-paid",
        "--org",
        "acme",
        "--since",
        "2026-11-20",
        "--out",
        str(out),
        "--json",
    )
    assert json.loads(capsys.readouterr().out)["invoices"] == [
        {"number": "F-2026-001", "amount": "1200.00", "on": "2026-11-25"}
    ]
    (written,) = read_cdar(out.read_bytes()).records
    assert (written.code, written.amount, written.seller_id) == (
        "212",
        Decimal("1200.00"),
        "732829320",
    )
    assert written.invoice_date == ISSUED
    assert StatusMessage.objects.filter(direction="out", invoice=invoice).exists()
