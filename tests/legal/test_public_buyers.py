"""A public buyer comes in from an invoice file (`type` public or publique) and
is then claimed moratory interest at ECB + 8 and 40 EUR (Code de la commande
publique R2192-31, D2192-35)."""

import json
from io import StringIO

from django.core.management import call_command

from relance.formats.invoices_csv import read_invoices
from relance.ledger.models import Customer


def cmd(*args):
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_type_column_names_a_public_buyer():
    data = (
        b"numero;client;ref_client;date;echeance;montant_ttc;type\n"
        b"P1;Mairie;M1;01/12/2025;10/01/2026;10000,00;publique\n"
        b"P2;Hopital;H1;01/12/2025;10/01/2026;500,00;Public\n"
        b"P3;Region;R1;01/12/2025;10/01/2026;500,00;B2G\n"
        b"P4;Acme;A1;01/12/2025;10/01/2026;500,00;b2b\n"
    )
    result = read_invoices(data)
    assert result.errors == []
    assert [r.kind for r in result.records] == ["public", "public", "public", "b2b"]


def test_an_imported_public_buyer_is_claimed_ecb_plus_8(acme, tmp_path):
    """10,000 EUR due 10 January 2026, on 20 April (100 days): 2.15 + 8 = 10.15 %,
    10000 x 10.15 % x 100/365 = 278.08 EUR, and 40 EUR."""
    path = tmp_path / "factures.csv"
    path.write_bytes(
        b"numero;client;ref_client;date;echeance;montant_ttc;type\n"
        b"P1;Mairie de Lyon;M1;01/12/2025;10/01/2026;10000,00;publique\n"
    )
    cmd("import", "invoices", str(path), "--org", "acme")
    assert Customer.objects.get(org=acme, ref="M1").kind == "public"
    st = cmd("statement", "--org", "acme", "--customer", "M1", "--date", "2026-04-20")
    assert (st["interest"], st["indemnity"]) == ("278.08", "40.00")
