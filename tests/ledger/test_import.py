import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relance.ledger.models import Customer, ImportBatch, Invoice, Payment, RejectedRow
from relance.timeline.services import verify
from tests.factories import pay

CSV = (
    "numero;ref_client;client;email;date;echeance;montant_ttc;regle;date_reglement\n"
    "F1;C1;Boulangerie Léa;compta@lea.example;01/10/2026;31/10/2026;1 200,00;;\n"
    "F2;C1;Boulangerie Léa;compta@lea.example;02/10/2026;01/11/2026;600,00;600,00;05/11/2026\n"
    "F3;C2;Garage Martin;garage@martin.example;03/10/2026;02/11/2026;300,00;100,00;06/11/2026\n"
    "F4;C2;Garage Martin;;03/10/2026;pas de date;300,00;;\n"
)


def run_import(tmp_path, org, text=CSV, name="factures.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    out = StringIO()
    call_command(
        "import", "invoices", str(path), "--org", org.slug, "--json", stdout=out
    )
    return json.loads(out.getvalue())


def test_import_reports_counts_and_keeps_rejected_rows(tmp_path, acme):
    result = run_import(tmp_path, acme)
    assert result["imported"] == 3 and result["updated"] == 0
    assert result["rejected"] == [
        {
            "row": 5,
            "reason": "Ligne 5, colonne echeance : « pas de date » n'est pas une "
            "date (jj/mm/aaaa ou aaaa-mm-jj)",
        }
    ]
    kept = RejectedRow.objects.get(batch__org=acme)
    assert kept.row == 5 and kept.raw["numero"] == "F4"
    f2, f3 = Invoice.objects.get(number="F2"), Invoice.objects.get(number="F3")
    assert f2.is_paid and str(f2.paid_on) == "2026-11-05"
    assert f3.open_amount.amount == Decimal("200.00") and f3.paid_on is None
    assert Customer.objects.get(ref="C1").contacts.get().email == "compta@lea.example"
    assert verify(acme).ok


def test_reimporting_the_same_file_changes_nothing(tmp_path, acme):
    run_import(tmp_path, acme)
    counts = (
        Invoice.objects.count(),
        Payment.objects.count(),
        Customer.objects.count(),
    )
    again = run_import(tmp_path, acme)
    assert (again["imported"], again["updated"]) == (0, 0)
    assert counts == (
        Invoice.objects.count(),
        Payment.objects.count(),
        Customer.objects.count(),
    )
    assert ImportBatch.objects.filter(org=acme).count() == 2


def test_changes_are_updates_and_a_new_payment_settles(tmp_path, acme):
    run_import(tmp_path, acme)
    changed = CSV.replace(
        "31/10/2026;1 200,00;;", "15/11/2026;1 200,00;1 200,00;20/11/2026"
    )
    result = run_import(tmp_path, acme, changed)
    assert (result["imported"], result["updated"]) == (0, 1)
    f1 = Invoice.objects.get(number="F1")
    assert str(f1.due_date) == "2026-11-15" and f1.is_paid
    # The file says less is paid than before: the imported payment follows it.
    run_import(tmp_path, acme, CSV)
    f1.refresh_from_db()
    assert not f1.is_paid and f1.amount_paid == 0
    assert not Payment.objects.filter(reference="import:F1").exists()


def test_windows_1252_file(tmp_path, acme):
    result = run_import(tmp_path, acme, encoding="cp1252")
    assert result["imported"] == 3
    assert Customer.objects.get(ref="C1").name == "Boulangerie Léa"


def test_same_numbers_in_two_organisations_stay_apart(tmp_path, acme, other):
    run_import(tmp_path, acme)
    result = run_import(tmp_path, other)
    assert result["imported"] == 3
    assert Invoice.objects.filter(number="F1").count() == 2
    assert Customer.objects.filter(org=other, ref="C1").count() == 1


def test_a_total_below_what_was_received_is_rejected(tmp_path, acme):
    run_import(tmp_path, acme)
    pay(acme, Invoice.objects.get(number="F1"), "1000.00", on=date(2026, 11, 3))
    lowered = CSV.replace("1 200,00;;", "900,00;;")
    result = run_import(tmp_path, acme, lowered)
    assert any(
        "less than the 1000.00 already received" in r["reason"]
        for r in result["rejected"]
    )
    assert Invoice.objects.get(number="F1").total == Decimal("1200.00")


def test_a_total_lowered_to_what_was_received_makes_the_invoice_paid(tmp_path, acme):
    run_import(tmp_path, acme)
    pay(acme, Invoice.objects.get(number="F1"), "1000.00", on=date(2026, 11, 3))
    lowered = CSV.replace("1 200,00;;", "1 000,00;;")
    result = run_import(tmp_path, acme, lowered)
    assert result["updated"] == 1
    f1 = Invoice.objects.get(number="F1")
    assert f1.is_paid and str(f1.paid_on) == "2026-11-03"
    # and raised again above it, the invoice is open once more
    run_import(tmp_path, acme, CSV)
    f1.refresh_from_db()
    assert not f1.is_paid and f1.paid_on is None


def test_unknown_org_and_missing_file_are_clear_errors(tmp_path, acme):
    with pytest.raises(CommandError, match="no organisation with slug 'nope'"):
        call_command("import", "invoices", __file__, "--org", "nope")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import", "invoices", str(tmp_path / "x.csv"), "--org", "acme")


def test_invoices_with_unlawful_terms_are_flagged(tmp_path, acme):
    text = (
        "numero;client;date;echeance;montant_ttc\n"
        "T1;X;10/01/2026;11/03/2026;100,00\n"  # 60 days: fine
        "T2;X;10/01/2026;15/03/2026;100,00\n"  # 45 days end of month reading
        "T3;X;10/01/2026;30/04/2026;100,00\n"  # beyond any cap
    )
    result = run_import(tmp_path, acme, text)
    assert result["flagged"] == [
        {"invoice": "T2", "defects": ["term_eom"]},
        {"invoice": "T3", "defects": ["term_over_cap"]},
    ]
    assert Invoice.objects.get(number="T3").defects[0]["blocking"] is True
    assert Invoice.objects.get(number="T1").defects == []


def invoice_pdf(lines: list[str]) -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for n, line in enumerate(lines):
        pdf.drawString(72, 760 - 16 * n, line)
    pdf.save()
    return buf.getvalue()


def test_attached_invoice_pdfs_are_checked_for_the_legal_mentions(
    tmp_path, acme, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    run_import(tmp_path, acme)
    folder = tmp_path / "pdf"
    folder.mkdir()
    (folder / "Facture_F1.pdf").write_bytes(
        invoice_pdf(
            [
                "Facture F1",
                "Total TTC 1 200,00 EUR",
                "Pénalités de retard : taux BCE + 10 points.",
                "Indemnité forfaitaire pour frais de recouvrement : 40 €.",
            ]
        )
    )
    (folder / "F2.pdf").write_bytes(invoice_pdf(["Facture F2", "Total TTC 600,00 EUR"]))
    (folder / "inconnue-Z9.pdf").write_bytes(invoice_pdf(["?"]))
    (folder / "F3.pdf").write_bytes(b"this is not a pdf")
    out = StringIO()
    call_command(
        "import", "documents", str(folder), "--org", "acme", "--json", stdout=out
    )
    result = json.loads(out.getvalue())
    assert sorted(result["attached"]) == ["F1", "F2"]
    assert result["flagged"] == [
        {"invoice": "F2", "defects": ["no_penalty_rate", "no_indemnity_mention"]}
    ]
    assert {r["file"]: r["reason"] for r in result["rejected"]} == {
        "F3.pdf": "not a PDF file",
        "inconnue-Z9.pdf": "no invoice number of this organisation in the file name",
    }
    f1 = Invoice.objects.get(number="F1")
    assert f1.document.read().startswith(b"%PDF") and f1.defects == []
