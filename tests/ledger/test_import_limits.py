"""Import limits through the service, the command and the browser: a file over
a limit leaves its import record with the reason in the user's language and no
row; one over the size cap is refused before it is read; NUL bytes reach
neither SQLite nor PostgreSQL."""

import os
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from relance.ledger.bank import import_bank
from relance.ledger.models import BankLine, ImportBatch, Invoice, RejectedRow
from relance.ledger.services import import_invoices
from relance.timeline.models import Event
from tests.conftest import PASSWORD

from ..formats.test_bounded_readers import OFX_HEAD

HEADER = b"numero;client;email;date;echeance;total\n"


def test_nul_bytes_in_cells_reach_no_database(acme):
    """GIVEN a CSV with NUL and other control bytes in its cells WHEN imported
    THEN the invoice and its customer are stored without them (PostgreSQL
    refused the row, SQLite kept the NUL)."""
    data = (
        HEADER
        + b"F\x00-1;Ac\x00me\x1b SARL;compta@ac\x00me.example;01/10/2026;31/10/2026;12\n"
    )
    result = import_invoices(acme, data, "nul.csv", "test")
    assert result["imported"] == 1, result["rejected"]
    invoice = Invoice.objects.select_related("customer").get(org=acme)
    assert (invoice.number, invoice.customer.name) == ("F-1", "Acme SARL")
    stored = [invoice.number, invoice.customer.name, invoice.customer.ref]
    stored += [str(e.payload) for e in Event.objects.filter(org=acme)]
    assert not any("\x00" in s or "\x1b" in s for s in stored)


def test_a_file_over_a_limit_leaves_its_record_with_the_reason_and_no_row(acme):
    data = b"a;" * 10_000_000 + b"\n"
    with translation.override("fr"):
        result = import_invoices(acme, data, "wide.csv", "test")
    assert result["imported"] == 0 and not Invoice.objects.filter(org=acme).exists()
    batch = ImportBatch.objects.get(pk=result["batch"])
    [row] = RejectedRow.objects.filter(batch=batch)
    assert row.reason == "Trop de colonnes à la ligne 1 : plus de 500"
    assert batch.rejected == 1 and result["rejected"] == [
        {"row": 1, "reason": row.reason}
    ]


def test_a_hostile_bank_statement_is_refused_whole(acme):
    data = OFX_HEAD + b"<OFX>" + b"<A><![CDATA[x" * 10_000
    result = import_bank(acme, data, "releve.ofx", "test")
    assert result["lines"] == 0 and not BankLine.objects.filter(org=acme).exists()
    [row] = RejectedRow.objects.filter(batch_id=result["batch"])
    assert "CDATA" in row.reason


def test_the_size_cap_is_the_setting_and_speaks_french(acme, settings):
    settings.RELANCE_IMPORT_MAX_MB = 1
    data = HEADER + b"F1;Acme;;01/10/2026;31/10/2026;12\n" * 40_000
    with translation.override("fr"):
        result = import_invoices(acme, data, "big.csv", "test")
        bank = import_bank(acme, data, "big.csv", "test")
    reason = "Fichier trop volumineux : 2 Mo, la limite est 1 Mo"
    assert result["rejected"] == [{"row": 0, "reason": reason}]
    assert bank["rejected"] == [{"row": 0, "reason": reason}]
    assert not Invoice.objects.filter(org=acme).exists()


def test_the_command_refuses_a_100_mb_file_before_reading_it(acme, tmp_path):
    """A sparse file: 105 MB on paper, nothing on disk; reading it would
    allocate 105 MB."""
    path = tmp_path / "factures.csv"
    with path.open("wb") as file:
        file.truncate(105 * 2**20)
    for kind in ("invoices", "bank"):
        tracemalloc.start()
        try:
            with translation.override("fr"), pytest.raises(CommandError) as refused:
                call_command("import", kind, str(path), "--org", "acme")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert "Fichier trop volumineux : 105 Mo, la limite est 50 Mo" in str(
            refused.value
        )
        assert peak < 10 * 2**20
    assert not ImportBatch.objects.filter(org=acme).exists()
    assert os.stat(path).st_blocks == 0  # it stayed sparse: never written either


def test_the_import_page_refuses_a_file_over_the_cap(client, alice, settings):
    settings.RELANCE_IMPORT_MAX_MB = 1
    assert client.login(username=alice.username, password=PASSWORD)
    upload = SimpleUploadedFile("gros.csv", b"x" * (2 * 2**20 + 1))
    response = client.post(
        reverse("imports"), {"kind": "invoices", "file": upload}, follow=True
    )
    assert "gros.csv : Fichier trop volumineux : 3 Mo, la limite est 1 Mo" in (
        response.content.decode()
    )
    assert not ImportBatch.objects.exists()


def test_a_refused_row_says_why_in_french(acme):
    """Every reason a row is refused is a sentence in the user's language, with
    the values the row carried (they were English, naming internal fields)."""
    from django.utils import translation

    from relance.ledger.services import import_invoices

    data = (
        b"numero;client;date;echeance;montant_ttc\n"
        b"A1;Dupont;10/10/2026;01/10/2026;120,00\n"
        b";Dupont;10/10/2026;10/11/2026;120,00\n"
        b"A3;Dupont;10/10/2026;10/11/2026;-5,00\n"
        b"A4;Dupont;10/10/2026;10/11/2026;50,00\n"
        b"A4;Dupont;10/10/2026;10/11/2026;50,00\n"
    )
    with translation.override("fr"):
        result = import_invoices(acme, data, "factures.csv", "alice")
    reasons = {r["row"]: r["reason"] for r in result["rejected"]}
    assert reasons == {
        2: "L'échéance, 01/10/2026, est antérieure à la date d'émission, 10/10/2026",
        3: "Le numéro de facture est vide",
        4: "Le montant TTC doit être positif, et non -5.00 (un avoir n'est pas une facture)",
        6: "La facture A4 figure déjà à la ligne 5",
    }


def test_a_file_refused_whole_says_why_in_french(acme):
    """A statement or an export refused as a whole says why in French: a broken
    OFX names the byte, a table names the columns it lacks."""
    from django.utils import translation

    from relance.ledger.bank import import_bank
    from relance.ledger.services import import_invoices
    from tests.formats.test_bounded_readers import OFX_HEAD

    with translation.override("fr"):
        bank = import_bank(acme, OFX_HEAD + b"<OFX><A><![CDATA[x", "r.ofx", "alice")
        table = import_invoices(acme, b"numero;client\nA1;X\n", "f.csv", "alice")
    assert bank["reason"] == (
        "fichier OFX illisible : une section CDATA n'est pas refermée (octet 8)"
    )
    assert table["rejected"][0]["reason"].startswith("Colonnes manquantes : ")
    assert "colonnes du fichier : numero, client" in table["rejected"][0]["reason"]
