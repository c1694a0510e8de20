"""Every invoice format through the import service and the CLI: XLSX with a
guessed or saved column mapping, Factur-X with its PDF kept, FEC re-imported
after lettering, OFX/MT940/CSV statements; and the thank-you planned the moment
a chased invoice is paid."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from relance.dunning.models import Action, ActionStatus
from relance.dunning.services import run_dunning
from relance.ledger.models import (
    BankLine,
    ColumnMapping,
    Contact,
    Invoice,
    RejectedRow,
)
from relance.ledger.services import import_invoices, save_columns
from relance.timeline.models import Event
from relance.timeline.services import verify
from tests.conftest import PASSWORD
from tests.factories import make_invoice
from tests.formats.cii_samples import cii
from tests.formats.test_einvoice import facturx

SAMPLES = Path(__file__).resolve().parents[1] / "formats" / "samples"


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Factures"
    sheet.append(["Export Sage 100 - balance âgée"])  # a title line above
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def cli(*args) -> dict:
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_xlsx_with_guessed_columns_and_excel_types(acme):
    data = xlsx(
        [
            [
                "N° facture",
                "Client",
                "Date facture",
                "Échéance",
                "Montant TTC (€)",
                "Déjà réglé",
            ],
            [
                "FX-1",
                "Boulangerie Martin",
                datetime(2026, 9, 1),
                datetime(2026, 10, 1),
                1234.56,
                0,
            ],
            [
                "FX-2",
                "Boulangerie Martin",
                datetime(2026, 9, 5),
                datetime(2026, 10, 5),
                99.1,
                99.1,
            ],
            ["FX-3", "Garage Lenoir", "pas une date", datetime(2026, 10, 5), 10, None],
        ]
    )
    result = import_invoices(acme, data, "balance.xlsx", "test")
    assert result["format"] == "XLSX"
    assert (result["imported"], [r["row"] for r in result["rejected"]]) == (2, [5])
    assert "colonne Date facture" in result["rejected"][0]["reason"]
    fx1 = Invoice.objects.get(org=acme, number="FX-1")
    assert fx1.total == Decimal("1234.56") and fx1.due_date == date(2026, 10, 1)
    assert Invoice.objects.get(org=acme, number="FX-2").is_paid
    assert RejectedRow.objects.filter(batch__org=acme, row=5).exists()


def test_saved_column_mapping_is_used_for_the_next_files(acme):
    header = ["Pièce", "Tiers", "Date pièce", "Date limite", "Solde TTC"]
    rows = [["P-77", "ACME CLIENT", "01/09/2026", "01/10/2026", "500,00"]]
    data = ("\n".join(";".join(r) for r in [header, *rows]) + "\n").encode()
    first = import_invoices(acme, data, "export.csv", "test")
    assert (
        first["imported"] == 0
        and "Colonnes manquantes" in first["rejected"][0]["reason"]
    )
    columns = {
        "number": "Pièce",
        "customer_name": "Tiers",
        "issue_date": "Date pièce",
        "due_date": "Date limite",
        "total": "Solde TTC",
    }
    out = cli(
        "import",
        "invoices",
        _file(data, "export.csv"),
        "--org",
        acme.slug,
        *[f"--column={k}={v}" for k, v in columns.items()],
        "--save-columns",
    )
    assert out["imported"] == 1
    assert ColumnMapping.objects.get(org=acme).columns == columns
    # next month's file: no --column, the saved mapping applies
    data2 = data.replace(b"P-77", b"P-78")
    assert import_invoices(acme, data2, "export2.csv", "test")["imported"] == 1
    with pytest.raises(ValueError, match="unknown field"):
        save_columns(acme, {"montant": "Solde TTC"}, "test")


_TMP = []


def _file(data: bytes, name: str) -> str:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    _TMP.append(folder)
    path = folder / name
    path.write_bytes(data)
    return str(path)


def test_facturx_import_keeps_the_pdf_and_checks_mentions(acme):
    pdf = facturx(cii("en16931"))
    result = import_invoices(acme, pdf, "FA-2026-0042.pdf", "test")
    assert (result["format"], result["imported"]) == ("Factur-X", 1)
    inv = Invoice.objects.get(org=acme, number="FA-2026-0042")
    assert inv.document and inv.document.read() == pdf
    assert inv.customer.siren == "542065479"
    assert inv.customer.vat_number == "FR39542065479"
    codes = {d["code"] for d in inv.defects}
    assert not codes & {"no_penalty_rate", "no_indemnity_mention"}, codes
    # the same file again changes nothing
    again = import_invoices(acme, pdf, "FA-2026-0042.pdf", "test")
    assert (again["imported"], again["updated"]) == (0, 0)
    assert Event.objects.filter(org=acme, kind="document.attached").count() == 1
    # an invoice without the mentions is flagged
    bare = import_invoices(
        acme, facturx(cii("basic", number="FA-2", note=None)), "b.pdf", "t"
    )
    assert bare["flagged"] and "no_indemnity_mention" in bare["flagged"][0]["defects"]


def test_fec_reimport_after_lettering_marks_paid_and_cancels(acme, settings):
    fec = (SAMPLES / "fec-sage-tab.txt").read_bytes()
    text = fec.decode("cp1252")
    # before: invoice 103 open; a reminder is pending for it
    first = import_invoices(acme, fec, "FEC.txt", "test")
    assert (first["format"], first["imported"]) == ("FEC", 3)
    assert any("default terms" in n for n in first["notes"])
    assert any("CMARTIN" in n for n in first["notes"])  # the unlettered credit
    inv = Invoice.objects.get(org=acme, number="FA2026-103")
    assert inv.due_date == date(2026, 10, 31)
    # a FEC has no addresses: without a contact nothing can be sent
    assert run_dunning(acme, date(2026, 11, 9))["skipped"][0]["reason"] == "no_contact"
    Contact.objects.create(org=acme, customer=inv.customer, email="a@martin.example")
    run_dunning(acme, date(2026, 11, 10))
    pending = Action.objects.get(org=acme, invoices=inv)
    assert pending.status == ActionStatus.QUEUED
    # after: the accountant lettered Martin's 2,100 transfer against invoice 103
    lettered = (
        text.replace(
            "FA2026-103\t20261001\tFacture FA2026-103\t2 400,00\t\t\t",
            "FA2026-103\t20261001\tFacture FA2026-103\t2 400,00\t\tAC\t20261112",
        )
        + "\t".join(
            [
                "BQ",
                "Banque",
                "BQ000080",
                "20261112",
                "41100000",
                "Clients",
                "CMARTIN",
                "Boulangerie Martin",
                "VIR-1112",
                "20261112",
                "VIR MARTIN",
                "",
                "2100,00",
                "AC",
                "20261112",
                "20261130",
                "",
                "",
            ]
        )
        + "\r\n"
    )
    lettered = lettered.replace(
        "VIR BOULANGERIE MARTIN\t\t300,00\t\t", "VIR BOULANGERIE MARTIN\t\t300,00\tAC\t"
    )
    second = import_invoices(acme, lettered.encode("cp1252"), "FEC2.txt", "test")
    assert second["rejected"] == []
    inv.refresh_from_db()
    assert inv.is_paid and inv.paid_on == date(2026, 11, 12)
    pending.refresh_from_db()
    assert pending.status == ActionStatus.CANCELLED
    assert Event.objects.filter(
        org=acme, kind="invoice.paid", invoice_id=inv.pk
    ).exists()
    # and a third import of the same file changes nothing
    third = import_invoices(acme, lettered.encode("cp1252"), "FEC2.txt", "test")
    assert (third["imported"], third["updated"]) == (0, 0)
    assert verify(acme).ok


@pytest.mark.parametrize(
    "sample,number,amount",
    [
        ("ofx1-ca.ofx", "F2026-00123", "1234.56"),
        ("mt940-fr.sta", "F2026-00123", "1234.56"),
        ("bank-debit-credit.csv", "F2026-00123", "1234.56"),
    ],
)
def test_bank_formats_through_the_cli(acme, sample, number, amount):
    make_invoice(
        acme,
        number,
        date(2026, 11, 1),
        total="2469.12",
        customer_ref="DU",
        name="SARL Dupont",
    )
    out = cli("import", "bank", str(SAMPLES / sample), "--org", acme.slug)
    assert set(out) >= {
        "lines",
        "duplicates",
        "matched",
        "to_review",
        "unmatched",
        "rejected",
    }
    assert out["matched"] >= 1 and out["rejected"] == []
    again = cli("import", "bank", str(SAMPLES / sample), "--org", acme.slug)
    assert again["duplicates"] == again["lines"] and again["matched"] == 0
    acme.refresh_from_db()
    assert acme.bank_data_as_of == date(2026, 11, 19)
    assert BankLine.objects.filter(org=acme).count() == out["lines"]


def test_payment_cancels_and_plans_the_thank_you_at_once(acme, smtp, time_machine):
    from relance.comms.services import send_outbox

    time_machine.move_to(datetime(2026, 11, 4, 10, 0, tzinfo=UTC))
    inv = make_invoice(
        acme,
        "F2026-00123",
        date(2026, 10, 20),
        total="1234.56",
        customer_ref="DU",
        name="SARL Dupont",
    )
    run_dunning(acme, date(2026, 11, 3))
    assert send_outbox(acme)["sent"] == 1  # reminder_1 went out
    assert len(smtp.messages) == 1
    cli("import", "bank", str(SAMPLES / "mt940-fr.sta"), "--org", acme.slug)
    inv.refresh_from_db()
    assert inv.is_paid
    thanks = Action.objects.get(org=acme, step="thank_you")
    assert thanks.status == ActionStatus.QUEUED
    assert list(thanks.invoices.all()) == [inv]
    assert "merci" in thanks.message.subject.lower()
    # the next run does not thank twice
    run_dunning(acme, date(2026, 11, 20))
    assert Action.objects.filter(org=acme, step="thank_you").count() == 1


CORPUS = Path(__file__).resolve().parents[1] / "formats" / "files"


def test_invalid_buyer_siren_is_flagged_not_a_reason_to_drop_the_invoice(
    acme, alice, client
):
    """GIVEN an e-invoice whose French buyer's SIREN fails its check digit and
    another from a Norwegian buyer (9-digit id with no scheme, NO VAT number)
    WHEN both are imported
    THEN both invoices are owed; the bad SIREN is flagged on its invoice."""
    bad = cli(
        "import", "invoices", str(CORPUS / "ubl-en16931-bad-siren.xml"), "--org", "acme"
    )
    foreign = cli(
        "import",
        "invoices",
        str(CORPUS / "ubl-en16931-foreign-buyers.xml"),
        "--org",
        "acme",
    )
    assert (bad["imported"], bad["rejected"]) == (1, [])
    assert (foreign["imported"], foreign["rejected"]) == (1, [])
    assert "buyer_identifier" not in foreign["flagged"][0]["defects"]
    assert "buyer_identifier" in bad["flagged"][0]["defects"]
    invoice = Invoice.objects.get(org=acme, number="FA-2026-0778")
    [defect] = [d for d in invoice.defects if d["code"] == "buyer_identifier"]
    assert (defect["field"], defect["value"]) == ("SIREN", "987654321")
    assert invoice.customer.siren == ""
    assert Invoice.objects.get(org=acme, number="FA-2026-0777").total == 2500
    assert client.login(username=alice.username, password=PASSWORD)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Le SIREN de l'acheteur « 987654321 » n'est pas valide" in page


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("invoices-*")))
def test_each_package_export_imports_its_open_invoices(acme, name):
    """Every accounting package's export comes in under its preset; drafts and
    cancelled invoices are left out and said; what was paid is kept."""
    result = cli("import", "invoices", str(CORPUS / name), "--org", "acme")
    assert result["rejected"] == [] and result["imported"] >= 1
    dupont = Invoice.objects.get(org=acme, customer__name__icontains="dupont")
    assert dupont.total == 1200 and dupont.amount_paid == 0
    drafts = [n for n in result["notes"] if "draft or cancelled" in n]
    assert Invoice.objects.filter(org=acme).count() == result["imported"]
    assert not Invoice.objects.filter(org=acme, customer__name__icontains="léon")
    if "Garage" in (CORPUS / name).read_bytes().decode("utf-8", "ignore"):
        assert drafts
