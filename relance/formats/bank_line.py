"""A line of a bank statement, whatever the file format, and what every bank
reader does last: number repeated lines and note the latest booking date."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from .errors import ReadResult, RowError
from .limits import DEFAULT, LimitExceeded, Limits, check_size


@dataclass(frozen=True, slots=True)
class BankLine:
    row: int  # position of the entry in the file, from 1
    booked: date
    amount: Decimal  # positive: money received; negative: money paid out
    currency: str
    payer: str = ""
    remittance: str = ""
    creditor_ref: str = ""
    end_to_end: str = ""
    bank_ref: str = ""
    account: str = ""
    occurrence: int = 1  # the same line twice in one file: 1, 2

    @property
    def checksum(self) -> str:
        """Same line in two statements, same checksum: duplicates are skipped.
        Two identical lines of one file (two equal transfers on the same day
        with the same label) differ by their occurrence number."""
        parts = [
            self.account,
            self.booked.isoformat(),
            str(self.amount),
            self.currency,
            self.bank_ref or "|".join((self.end_to_end, self.remittance, self.payer)),
        ]
        if self.occurrence > 1:
            parts.append(str(self.occurrence))
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def finish(
    records: list[BankLine], errors: list[RowError], details: dict[str, str]
) -> ReadResult[BankLine]:
    """Number identical lines and record the latest booking date of the file (the
    engine's crossing guard needs to know how fresh the bank data is)."""
    seen: Counter[str] = Counter()
    numbered = []
    for line in records:
        key = line.checksum
        seen[key] += 1
        numbered.append(replace(line, occurrence=seen[key]) if seen[key] > 1 else line)
    if numbered:
        details["latest_booking"] = max(x.booked for x in numbered).isoformat()
    return ReadResult(numbered, errors, details)


class Unreadable(ValueError):
    """A value a reader cannot read: the reason as a template, filled in with
    `params` (and the row) in the reader's language by RowError.message."""

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason % {"row": "?", **params})
        self.reason, self.params = reason, params

    def error(self, row: int, raw: dict[str, str]) -> RowError:
        return RowError(row, self.reason, raw, {"row": row, **self.params})


def too_large(data: bytes, limits: Limits = DEFAULT) -> ReadResult[BankLine] | None:
    """The file's one error when it is larger than the limit."""
    try:
        check_size(data, limits)
    except LimitExceeded as exc:
        return ReadResult([], [exc.error])
    return None


# "DE" introduces the payer after a slash, before a colon, or right after the
# bank's wording; not inside a name ("LES JARDINS DE CLAIRE").
_PAYER = re.compile(
    r"(?:/\s*DE\b\s*:?|\bDE\s*:|(?:^|\b(?:VIR|VIREMENT|RECU|SEPA|INST|INSTANTANE"
    r"|RE\s+\d+)\s+)DE\b)\s*:?\s*"
    r"(?P<name>.+?)\s*(?=/|\bMOTIF\b|\bREF\w*\b|\bDATE\b|\bID\b|$)",
    re.IGNORECASE,
)
_MOTIF = re.compile(
    r"(?:/|\b)MOTIF\s*:?\s*(?P<text>.+?)\s*(?=/REF|\bREF\w*\s*:|$)", re.I
)


def split_label(label: str) -> tuple[str, str]:
    """Payer and remittance from a French bank's one-line label, such as
    "VIR SEPA RECU /DE SARL DUPONT /MOTIF FACTURE F2026-123 /REF 99": the
    payer when the bank names it, the whole label as remittance otherwise."""
    label = " ".join(label.split())
    payer = _PAYER.search(label)
    motif = _MOTIF.search(label)
    return (
        payer.group("name").strip(" /") if payer else "",
        motif.group("text").strip(" /") if motif else label,
    )
