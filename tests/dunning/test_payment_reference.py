"""A bank line quoting a reminder's RF reference pays exactly that reminder's
invoices, before any other clue in the line is looked at."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

from django.core.management import call_command

from relance.dunning.models import Action
from relance.dunning.payment_reference import reference
from relance.dunning.services import run_dunning
from relance.ledger.models import BankLine, Invoice
from tests.factories import make_invoice

TODAY = date(2026, 11, 24)  # a Tuesday


def _statement(tmp_path, text, amount):
    path = tmp_path / "releve.csv"
    path.write_text(
        "Date opération;Date valeur;Libellé;Débit;Crédit\n"
        f"24/11/2026;24/11/2026;{text};;{amount}\n",
        encoding="utf-8",
    )
    return path


def _import(path, org):
    out = StringIO()
    call_command("import", "bank", str(path), "--org", org.slug, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_reference_pays_that_reminders_invoices_only(acme, other, tmp_path):
    """GIVEN a reminder for two overdue invoices, a third not yet due, and the
    same amounts owed by another customer WHEN a line quotes the reminder's
    reference with a payer name that matches nothing and another invoice's
    number THEN exactly the reminder's two invoices are paid."""
    first = make_invoice(acme, "F-101", date(2026, 10, 20), total="300.00")
    make_invoice(acme, "F-102", date(2026, 10, 25), total="200.00")
    make_invoice(acme, "F-103", date(2026, 12, 20), total="500.00")
    make_invoice(acme, "F-201", date(2026, 10, 20), "500.00", customer_ref="C2")
    theirs = make_invoice(other, "F-101", date(2026, 10, 20), total="300.00")
    run_dunning(acme, TODAY)
    run_dunning(other, TODAY)
    action = Action.objects.get(org=acme, customer=first.customer)
    assert set(action.invoices.values_list("number", flat=True)) == {"F-101", "F-102"}
    ref = reference(action)
    text = f"VIR SEPA RECU /DE M X /MOTIF {ref[:4]} {ref[4:]} F-201"
    _import(_statement(tmp_path, text, "500,00"), acme)
    line = BankLine.objects.get(org=acme)
    assert line.status == "matched" and "creditor reference" in line.reason
    paid = dict(Invoice.objects.filter(org=acme).values_list("number", "amount_paid"))
    assert paid == {
        "F-101": Decimal("300.00"),
        "F-102": Decimal("200.00"),
        "F-103": Decimal("0.00"),
        "F-201": Decimal("0.00"),
    }
    theirs.refresh_from_db()
    assert theirs.amount_paid == 0


def test_another_organisations_reference_names_nothing_here(acme, other, tmp_path):
    mine = make_invoice(acme, "F-101", date(2026, 10, 20), total="300.00")
    theirs = make_invoice(other, "F-900", date(2026, 10, 20), total="300.00")
    run_dunning(other, TODAY)
    their_ref = reference(Action.objects.get(org=other))
    _import(_statement(tmp_path, f"VIR /REF {their_ref}", "300,00"), acme)
    line = BankLine.objects.get(org=acme)
    assert "creditor reference" not in line.reason
    theirs.refresh_from_db()
    assert theirs.amount_paid == 0 and mine.pk
