"""Helpers for spreadsheet exports: encodings, separators, French numbers and dates."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .errors import RowError
from .limits import (
    DEFAULT,
    Limits,
    cell_too_long,
    strip_controls,
    too_many_columns,
    too_many_rows,
)

DELIMITERS = (";", ",", "\t", "|")
# A cell that cannot be read, as every table reader says it (templates that
# RowError.message fills in the user's language).
NOT_A_DATE = (
    "Line %(row)s, column %(column)s: “%(value)s” is not a date "
    "(dd/mm/yyyy or yyyy-mm-dd)"
)
NOT_AN_AMOUNT = "Line %(row)s, column %(column)s: “%(value)s” is not an amount"
TOO_MANY_DECIMALS = (
    "Line %(row)s, column %(column)s: “%(value)s” has more than two decimals"
)
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM), else Windows-1252. NUL
    and the other control characters are dropped from the text."""
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
    return strip_controls(text), encoding


def sniff_delimiter(text: str) -> str:
    """The separator that appears most in the header line."""
    header = text.lstrip().split("\n", 1)[0]
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_rows(
    text: str, delimiter: str, limits: Limits = DEFAULT
) -> tuple[list[str], list[tuple[int, list[str]]], RowError | None]:
    """Header, (line number, cells) of each row, and the error that stopped the
    reading (a malformed quote) if any. Raises LimitExceeded for a table wider,
    longer or with cells longer than `limits` allow: the width is checked on
    the text before any cell is made, so a header of millions of columns costs
    a regular-expression scan of its first few hundred."""
    _check_width(text, delimiter, limits)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] = []
    broken = None
    try:
        for cells in reader:
            if not header:
                if any(c.strip() for c in cells):
                    header = cells
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > limits.rows:
                raise too_many_rows(reader.line_num, limits)
    except csv.Error:
        # csv's own text ("field larger than field limit") is not for a person
        broken = RowError(
            reader.line_num,
            "Line %(row)s: the file's columns cannot be read from here on (a quote "
            "left open, or a field too long)",
            params={"row": reader.line_num},
        )
    if _long_line(limits.cell_chars).search(text):  # else no cell can be
        for line, cells in [(1, header), *rows]:
            for column, cell in enumerate(cells, 1):
                if len(cell) > limits.cell_chars:
                    raise cell_too_long(line, column, len(cell), limits)
    return header, rows, broken


@lru_cache(maxsize=16)
def _long_line(chars: int) -> re.Pattern:
    return re.compile(rf"(?m)^[^\n]{{{chars + 1}}}")


@lru_cache(maxsize=16)
def _wide_line(delimiter: str, columns: int) -> re.Pattern:
    """A line holding `columns` separators, quoted ones included; anchored at
    line starts and possessive, so each line is scanned once."""
    d = re.escape(delimiter)
    return re.compile(rf"(?m)^(?:[^\n{d}]*+{d}){{{columns}}}")


def _check_width(text: str, delimiter: str, limits: Limits) -> None:
    wide = _wide_line(delimiter, limits.columns).search(text)
    if wide:
        raise too_many_columns(text.count("\n", 0, wide.start()) + 1, limits)


def normalise_header(name: str) -> str:
    """`Échéance ` -> `echeance`, `Montant TTC` -> `montant_ttc`."""
    ascii_name = (
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    )
    return re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")


class HeaderGuesser:
    """The field a column header names, from a table of accepted names per
    field: an alias exactly, else an alias followed by a unit or a note
    ("Montant TTC (€)", "Date opération (jj/mm/aaaa)")."""

    def __init__(self, aliases: dict[str, tuple[str, ...]]):
        self.lookup = {a: field for field, names in aliases.items() for a in names}
        self.order = {a: n for names in aliases.values() for n, a in enumerate(names)}
        # Longest first, so "montant_ttc" wins over "montant" as a prefix.
        self.prefixes = sorted(
            (a for a in self.lookup if len(a) > 2), key=len, reverse=True
        )

    def field(self, header: str) -> str | None:
        found = self.ranked(header)
        return found[0] if found else None

    def ranked(self, header: str) -> tuple[str, tuple[int, int]] | None:
        """The field and how well the header names it: an exact alias before
        a prefix, an alias listed earlier before a later one."""
        key = normalise_header(header)
        if key in self.lookup:
            return self.lookup[key], (0, self.order[key])
        for alias in self.prefixes:
            if key.startswith(alias + "_"):
                return self.lookup[alias], (1, self.order[alias])
        return None


SIMPLE_AMOUNT = re.compile(r"-?\d+(?:[.,]\d{1,2})?")


def parse_decimal(text: str) -> Decimal:
    """Amounts as spreadsheets write them: `1 234,56`, `1234.56`, `1.234,56 €`."""
    if SIMPLE_AMOUNT.fullmatch(text):  # the common case, a million times
        return Decimal(text.replace(",", "."))
    raw = text
    text = _SPACES.sub("", text).replace("€", "").replace("EUR", "")
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        text = text.replace(thousands, "").replace(decimal_sep, ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
        raise ValueError(f"not an amount: {raw!r}")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not an amount: {raw!r}") from None
    return -value if negative else value


@lru_cache(maxsize=8192)
def parse_date(text: str) -> date:
    """Dates as dd/mm/yyyy (French) or ISO yyyy-mm-dd; never month-first.
    Cached: a ledger of a million rows holds a few hundred distinct dates."""
    if len(text) == 10:  # the common cases, without strptime
        try:
            digits = text[:2] + text[3:5] + text[6:]
            if text[2] == "/" == text[5] and digits.isascii() and digits.isdigit():
                return date(int(text[6:]), int(text[3:5]), int(text[:2]))
            if text[4] == "-" == text[7] and text[:4].isdigit():
                return date.fromisoformat(text)
        except ValueError:
            pass  # falls through to the full parse and its message
    raw = text.strip()
    text = re.sub(r" 00:00(:00)?$", "", raw)  # spreadsheets sometimes add a time
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date (expected dd/mm/yyyy or yyyy-mm-dd): {raw!r}")
