"""Time the readers alone (no database) on large files of the corpus' shapes.

    .venv/bin/python bench/read_files.py [--lines 100000] [--invoices 1000000]

Each file of tests/formats/files named below is grown to the given number of
lines by repeating its transaction or invoice lines (with fresh numbers and
references, so that nothing is a duplicate), then read once with the reader the
import uses; prints the seconds and lines per second. Figures only.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "tests" / "formats" / "files"
sys.path.insert(0, str(ROOT))

from relance.formats.bank import read_bank  # noqa: E402
from relance.formats.invoices import read_invoice_file  # noqa: E402
from relance.formats.limits import MB, Limits  # noqa: E402

LIMITS = Limits(file_bytes=500 * MB)
# File -> lines above its first transaction.
BANK_CSV = {
    "bank-bnp-paribas-no-header.csv": 1,
    "bank-societe-generale.csv": 4,
    "bank-credit-agricole.csv": 8,
    "bank-bpce-banque-populaire-caisse-epargne.csv": 1,
    "bank-qonto.csv": 1,
    "bank-revolut.csv": 1,
}
INVOICE_CSV = [
    "invoices-sage-100-echeancier.csv",
    "invoices-pennylane.csv",
    "invoices-quickbooks.csv",
]


def _grown_table(name: str, lines: int, encoding: str) -> bytes:
    """The file's transactions repeated (as CSV records: some labels hold line
    breaks), each with its invoice number made unique by the repetition."""
    text = (FILES / name).read_bytes().decode(encoding)
    split = text.splitlines(keepends=True)
    head = "".join(split[: BANK_CSV[name]])
    delimiter = "," if name.endswith(("qonto.csv", "revolut.csv")) else ";"
    body = list(csv.reader(io.StringIO(text[len(head) :]), delimiter=delimiter))
    body = [r for r in body if any(c.strip() for c in r)]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for n in range(lines):
        row = body[n % len(body)]
        writer.writerow([re.sub(r"(F2026-\d+)", rf"\g<1>{n}", c) for c in row])
    return (head + out.getvalue()).encode(encoding)


def _unique_invoices(name: str, lines: int, encoding: str) -> bytes:
    text = (FILES / name).read_bytes().decode(encoding)
    rows = text.splitlines()
    header = next(i for i, r in enumerate(rows) if r.count(";") + r.count(",") > 4)
    body = [r for r in rows[header + 1 :] if r.strip()]
    out = rows[: header + 1]
    for n in range(lines):
        row = body[n % len(body)]
        cells = row.split(";") if ";" in row else row.split(",")
        sep = ";" if ";" in row else ","
        cells[0 if "pennylane" in name else 2] = f"X{n:08d}"
        out.append(sep.join(cells))
    return "\n".join(out).encode(encoding)


def _grown_camt(entries: int) -> bytes:
    text = (FILES / "camt054-batch-details-without-amounts.xml").read_text()
    start, end = text.index("<Ntry>"), text.rindex("</Ntry>") + len("</Ntry>")
    block = text[start:end]
    many = "".join(block.replace("SEB-7731-", f"SEB-{n}-") for n in range(entries // 3))
    return (text[:start] + many + text[end:]).encode()


def _grown_ofx(transactions: int) -> bytes:
    text = (FILES / "ofx1-leading-blank-lines.ofx").read_bytes().decode("utf-8-sig")
    start, end = text.index("<STMTTRN>"), text.rindex("</STMTTRN>") + 10
    block = text[start:end]
    many = "".join(
        block.replace("BNP2026111801", f"BNP{n:012d}") for n in range(transactions)
    )
    return (text[:start] + many + text[end:]).encode()


def _grown_fec(lines: int) -> bytes:
    """The per-month FEC repeated, each copy with its own pieces, entries and
    letters."""
    rows = (FILES / "fec-monthly-pieces-pipe.txt").read_text().splitlines()
    out = [rows[0]]
    for n in range(lines // (len(rows) - 1)):
        for row in rows[1:]:
            for old, new in (
                ("VE2026", f"P{n}-"),
                ("RECAP-0226", f"R{n}"),
                ("BQ0215", f"B{n}"),
                ("VE0001", f"E{n}-1-"),
                ("VE0002", f"E{n}-2-"),
                ("BQ0000", f"E{n}-3-"),
                ("|AA|", f"|L{n}|"),
            ):
                row = row.replace(old, new)
            out.append(row)
    return "\n".join(out).encode()


def timed(what: str, data: bytes, read, lines: int) -> None:
    started = time.perf_counter()
    result = read(data)
    seconds = time.perf_counter() - started
    print(
        f"{what:48} {lines:>9,} lines {len(data) / MB:7.1f} MB "
        f"{seconds:7.2f} s {lines / seconds:>10,.0f} lines/s "
        f"({len(result.records):,} read, {len(result.errors):,} errors)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    args = parser.parse_args()

    def bank(data):
        return read_bank(data, LIMITS)

    def invoices(data):
        return read_invoice_file(data, limits=LIMITS)

    for name in BANK_CSV:
        utf8 = name.endswith(("qonto.csv", "revolut.csv", "caisse-epargne.csv"))
        enc = "utf-8" if utf8 else "cp1252"
        timed(name, _grown_table(name, args.lines, enc), bank, args.lines)
    timed("CAMT.054 entries", _grown_camt(args.lines // 10), bank, args.lines // 10)
    timed("OFX transactions", _grown_ofx(args.lines // 10), bank, args.lines // 10)
    timed("FEC lines", _grown_fec(args.lines * 3), invoices, args.lines * 3)
    for name in INVOICE_CSV:
        enc = "cp1252" if "sage" in name else "utf-8"
        rows = args.invoices - 10  # the row limit counts title lines too
        timed(name, _unique_invoices(name, rows, enc), invoices, rows)


if __name__ == "__main__":
    main()
