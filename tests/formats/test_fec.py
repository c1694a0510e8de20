from datetime import date
from decimal import Decimal
from pathlib import Path

from relance.formats.fec import read_fec
from relance.formats.invoices import invoice_format, read_invoice_file

SAMPLE = Path(__file__).parent / "samples" / "fec-sage-tab.txt"


def test_fec_debit_credit_variant_gives_open_receivables_from_lettering():
    data = SAMPLE.read_bytes()
    assert invoice_format(data) == "fec"
    result = read_invoice_file(data, default_days=45)
    assert result.errors == []
    assert result.details["variant"] == "Debit/Credit"
    assert "default terms of 45 days" in result.details["due_dates"]
    assert result.details["unlettered_credits"] == "CMARTIN: 300.00"
    recs = {r.number: r for r in result.records}
    assert set(recs) == {"FA2026-101", "FA2026-102", "FA2026-103"}
    paid = recs["FA2026-101"]
    assert (paid.total, paid.paid, paid.paid_date) == (
        Decimal("1200.00"),
        Decimal("1200.00"),
        date(2026, 10, 4),
    )
    partial = recs["FA2026-102"]
    assert (partial.total, partial.paid, partial.paid_date) == (
        Decimal("840.00"),
        Decimal("500.00"),
        None,
    )
    open_ = recs["FA2026-103"]
    assert (open_.customer_ref, open_.customer_name) == (
        "CMARTIN",
        "Boulangerie Martin",
    )
    assert open_.total == Decimal("2400.00") and open_.paid == 0
    assert open_.due_date == date(2026, 11, 15)  # 1 Oct + 45 days


def _montant_sens(text: str) -> bytes:
    """The same FEC in the Montant/Sens variant, pipe separated."""
    out = []
    for n, line in enumerate(text.splitlines()):
        cells = line.split("\t")
        if n == 0:
            cells[11:13] = ["Montant", "Sens"]
        else:
            debit, credit = cells[11], cells[12]
            cells[11:13] = [debit, "D"] if debit else [credit, "C"]
        out.append("|".join(cells))
    return "\n".join(out).encode()


def test_fec_montant_sens_variant_reads_the_same():
    text = SAMPLE.read_bytes().decode("cp1252")
    a = read_fec(SAMPLE.read_bytes(), 30)
    b = read_fec(_montant_sens(text), 30)
    assert b.details["variant"] == "Montant/Sens"
    assert b.errors == []
    assert [(r.number, r.total, r.paid) for r in a.records] == [
        (r.number, r.total, r.paid) for r in b.records
    ]


def test_fec_bad_rows_are_reported_with_their_line():
    text = (
        SAMPLE.read_bytes()
        .decode("cp1252")
        .replace("FA2026-103\t20261001", "FA2026-103\t2026-13-45")
    )
    result = read_fec(text.encode(), 30)
    assert [e.row for e in result.errors] == [8]
    assert "date" in result.errors[0].reason.lower()
    assert {r.number for r in result.records} == {"FA2026-101", "FA2026-102"}


def test_not_a_fec_says_which_columns_are_missing():
    result = read_fec(b"JournalCode\tCompteNum\n", 30)
    assert result.records == []
    assert "columns missing" in result.errors[0].message()
