"""Open receivables from a FEC (Fichier des Écritures Comptables, LPF art. A47
A-1), the export every French accounting package produces: tab or pipe
separated, amounts as Débit/Crédit or as Montant/Sens.

Invoices are the debits of the customer accounts (411...): a customer's debit
lines of one entry (EcritureNum) of one piece. Most packages give each invoice
its own piece, and the piece reference is then its number; others number pieces
per month (all of January's sales under one PieceRef, each invoice its own
entry), write a monthly recap on several customers in one entry, or open the
year with one "RAN" piece across every customer: the number is then the piece
followed by the entry and the customer account, as far as they are needed to
tell one receivable from another. What paid them is read from the lettering:
the credits lettered with a debit settle it (in date order when the lettering
is partial). The FEC has no due dates, so the organisation's default terms give
them, and the result says so.
Credits left unlettered are reported, not guessed onto an invoice."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .errors import ReadResult, RowError
from .invoices_csv import InvoiceRecord
from .limits import DEFAULT, Limits, check_size, refusing_over_limits
from .tabular import decode, parse_decimal, read_rows

RECEIVABLE_PREFIX = "411"
ZERO = Decimal("0")
REQUIRED = ("journalcode", "ecrituredate", "comptenum", "pieceref")
# Headers some packages spell out (the standard's abbreviation on the right).
ALIASES = {
    "ecriturelettrage": "ecriturelet",
    "datelettrage": "datelet",
    "journallibelle": "journallib",
    "comptelibelle": "comptelib",
    "compauxlibelle": "compauxlib",
    "ecriturelibelle": "ecriturelib",
}


@dataclass(slots=True)
class _Line:
    row: int
    account: str
    name: str
    piece: str
    entry: str  # EcritureNum
    day: date
    debit: Decimal
    credit: Decimal
    letter: str
    lettered_on: date | None
    currency: str


def _day(text: str, what: str) -> date:
    digits = text.strip()
    if len(digits) >= 8 and digits[:8].isdigit():
        try:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        except ValueError:
            pass
    if "/" in digits or "-" in digits:
        from .tabular import parse_date

        return parse_date(digits)
    raise ValueError(f"{what}: not a date (AAAAMMJJ): {text!r}")


@refusing_over_limits("FEC")
def read_fec(
    data: bytes, default_days: int, limits: Limits = DEFAULT
) -> ReadResult[InvoiceRecord]:
    check_size(data, limits)
    text, encoding = decode(data)
    first = text.lstrip().split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") >= first.count("|") else "|"
    header, rows, broken = read_rows(text, delimiter, limits)
    details = {"format": "FEC", "encoding": encoding, "delimiter": repr(delimiter)}
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        name = h.strip().lower()
        columns.setdefault(ALIASES.get(name, name), i)
    missing = [c for c in REQUIRED if c not in columns]
    signed = {"montant", "sens"} <= columns.keys()
    if not signed and not {"debit", "credit"} <= columns.keys():
        missing.append("Debit and Credit, or Montant and Sens")
    if missing:
        reason = "Not a FEC: columns missing: %(missing)s"
        error = RowError(1, reason, params={"missing": ", ".join(missing)})
        return ReadResult([], [error], details)
    details["variant"] = "Montant/Sens" if signed else "Debit/Credit"

    lines: list[_Line] = []
    errors: list[RowError] = []
    for row, cells in rows:

        def cell(name: str, cells=cells) -> str:
            i = columns.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        if not cell("comptenum").startswith(RECEIVABLE_PREFIX):
            continue
        try:
            lines.append(_line(row, cell, signed))
        except ValueError as exc:
            raw = {h: cells[i] for h, i in columns.items() if i < len(cells)}
            errors.append(RowError(row, str(exc), raw))
    if broken:
        errors.append(broken)
    records, unlettered = _receivables(lines, default_days)
    details["due_dates"] = (
        f"a FEC carries no due dates: the organisation's default terms of "
        f"{default_days} days after the piece date were applied"
    )
    if unlettered:
        details["unlettered_credits"] = "; ".join(
            f"{account}: {amount}" for account, amount in sorted(unlettered.items())
        )
    return ReadResult(records, errors, details)


def _line(row: int, cell, signed: bool) -> _Line:
    if signed:
        amount = parse_decimal(cell("montant") or "0")
        sens = cell("sens").upper()[:1]
        if sens not in ("D", "C", "+", "-"):
            raise ValueError(f"Sens must be D or C, got {cell('sens')!r}")
        debit, credit = (amount, ZERO) if sens in ("D", "+") else (ZERO, amount)
    else:
        debit = parse_decimal(cell("debit") or "0")
        credit = parse_decimal(cell("credit") or "0")
    if debit < 0:  # some packages sign amounts instead of swapping columns
        debit, credit = ZERO, credit - debit
    if credit < 0:
        debit, credit = debit - credit, ZERO
    piece_day = cell("piecedate") or cell("ecrituredate")
    lettered = cell("datelet")
    account = cell("compauxnum") or cell("comptenum")
    return _Line(
        row=row,
        account=account,
        name=cell("compauxlib") or cell("comptelib") or account,
        piece=cell("pieceref") or cell("ecriturenum"),
        entry=cell("ecriturenum"),
        day=_day(piece_day, "PieceDate"),
        debit=debit,
        credit=credit,
        letter=cell("ecriturelet").upper(),
        lettered_on=_day(lettered, "DateLet") if lettered else None,
        currency=(cell("idevise") or "EUR").upper(),
    )


def _receivables(lines: list[_Line], default_days: int):
    by_letter: dict[tuple[str, str], list[_Line]] = defaultdict(list)
    # (piece, entry, account) -> the debit lines of one receivable; a piece on
    # one customer account is one receivable, whatever its entries.
    invoices: dict[tuple[str, str, str], list[_Line]] = defaultdict(list)
    unlettered: dict[str, Decimal] = defaultdict(lambda: ZERO)
    owed = [x for x in lines if x.debit > x.credit]
    customers: dict[str, set[str]] = defaultdict(set)
    for line in owed:
        customers[line.piece].add(line.account)
    for line in owed:
        entry = line.entry if len(customers[line.piece]) > 1 else ""
        invoices[(line.piece, entry, line.account)].append(line)
    for line in lines:
        if line.letter:
            by_letter[(line.account, line.letter)].append(line)
        elif line.credit > line.debit:
            unlettered[line.account] += line.credit - line.debit
    paid: dict[int, tuple[Decimal, date | None]] = {}
    for group in by_letter.values():
        debits = sorted((x for x in group if x.debit > x.credit), key=_order)
        credits = sorted((x for x in group if x.credit > x.debit), key=_order)
        money = sum((x.credit - x.debit for x in credits), ZERO)
        last = max((x.lettered_on or x.day for x in credits), default=None)
        for debit in debits:
            part = min(money, debit.debit - debit.credit)
            money -= part
            paid[debit.row] = (part, last)
    numbers = _numbers(list(invoices))
    records = []
    for key, debits in invoices.items():
        first = min(debits, key=_order)
        total = sum((x.debit - x.credit for x in debits), ZERO)
        settled = sum((paid.get(x.row, (ZERO, None))[0] for x in debits), ZERO)
        days = [d for x in debits if (d := paid.get(x.row, (ZERO, None))[1])]
        records.append(
            InvoiceRecord(
                row=first.row,
                number=numbers[key][:64],
                customer_ref=first.account[:64],
                customer_name=first.name[:200],
                customer_emails=(),
                issue_date=first.day,
                due_date=first.day + timedelta(days=default_days),
                total=total,
                currency=first.currency,
                paid=settled,
                paid_date=max(days) if settled >= total and days else None,
            )
        )
    records.sort(key=lambda r: r.row)
    return records, dict(unlettered)


def _numbers(keys: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
    """Each receivable's number: its piece, then its entry when the piece holds
    several, then its customer account when the entry is on several. A piece of
    one customer keeps its bare reference, as it always had."""
    entries: dict[str, set[str]] = defaultdict(set)
    accounts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for piece, entry, account in keys:
        entries[piece].add(entry)
        accounts[(piece, entry)].add(account)
    numbers = {}
    for piece, entry, account in keys:
        parts = [piece]
        if len(entries[piece]) > 1:
            parts.append(entry)
        if len(accounts[(piece, entry)]) > 1:
            parts.append(account)
        numbers[(piece, entry, account)] = "-".join(p for p in parts if p)
    return numbers


def _order(line: _Line) -> tuple[date, int]:
    return (line.day, line.row)
