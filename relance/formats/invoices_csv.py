"""Invoices from a table (CSV, or XLSX through invoices_xlsx), columns named in
French or English or by an organisation's saved mapping."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import repeat
from typing import NamedTuple

from relance.core.identifiers import checked_siren, validate_siren

from .errors import ReadResult, RowError
from .invoice_presets import preset_for
from .limits import DEFAULT, Limits, check_size, refusing_over_limits
from .tabular import (
    NOT_A_DATE,
    NOT_AN_AMOUNT,
    SIMPLE_AMOUNT,
    TOO_MANY_DECIMALS,
    HeaderGuesser,
    decode,
    normalise_header,
    parse_date,
    parse_decimal,
    read_rows,
    sniff_delimiter,
)

# Canonical field -> accepted header names (after normalise_header).
ALIASES: dict[str, tuple[str, ...]] = {
    "number": (
        "number",
        "invoice_number",
        "numero",
        "numero_facture",
        "facture",
        "n_facture",
        "no_facture",
        "numero_de_facture",
        "n_piece",
        "n_document",
        "invoice_no",
    ),
    "customer_ref": (
        "customer_ref",
        "customer_id",
        "ref_client",
        "code_client",
        "reference_client",
        "client_ref",
    ),
    "customer_name": (
        "customer_name",
        "customer",
        "client",
        "nom_client",
        "raison_sociale",
        "intitule_tiers",
        "libelle_tiers",
        "entreprise",
        "partner",
        "partenaire",
    ),
    "customer_email": ("customer_email", "email", "e_mail", "courriel", "mail"),
    "issue_date": (
        "issue_date",
        "date",
        "date_facture",
        "date_emission",
        "invoice_date",
        "date_d_emission",
        "date_de_facturation",
        "date_facturation",
        "date_piece",
        "date_document",
        "invoice_bill_date",
    ),
    "due_date": (
        "due_date",
        "echeance",
        "date_echeance",
        "due",
        "date_d_echeance",
        "date_limite_reglement",
        "deadline",
    ),
    "total": (
        "total",
        "montant_ttc",
        "total_ttc",
        "ttc",
        "amount",
        "total_incl_tax",
        "net_a_payer",
    ),
    "total_excl_tax": ("total_excl_tax", "montant_ht", "total_ht", "ht"),
    "tax": ("tax", "tva", "montant_tva", "vat"),
    "currency": ("currency", "devise"),
    "paid": (
        "paid",
        "regle",
        "montant_regle",
        "amount_paid",
        "deja_regle",
        "montant_paye",
    ),
    # What is still owed, when the file gives that rather than what was paid.
    "open_amount": (
        "open_amount",
        "reste_a_payer",
        "reste_du",
        "reste_a_regler",
        "montant_du",
        "montant_restant",
        "montant_restant_du",
        "solde_du",
        "amount_due",
        "open_balance",
    ),
    "paid_date": ("paid_date", "date_reglement", "date_paiement", "payment_date"),
    "siren": ("siren",),
    "kind": ("kind", "type", "type_client"),
    # An invoicing package's state of the invoice: drafts and cancelled ones
    # are no receivable.
    "status": ("status", "statut", "etat"),
}
NOT_OWED = frozenset(
    (
        "brouillon",
        "draft",
        "annulee",
        "annule",
        "cancelled",
        "canceled",
        "abandonnee",
        "abandonne",
        "void",
        "proforma",
        "pro_forma",
        "devis",
    )
)
_HEADERS = HeaderGuesser(ALIASES)
REQUIRED = ("number", "issue_date", "due_date", "total")
TITLE_SEARCH = 30  # top rows in which a header under title lines is looked for
KINDS = {
    "b2b": "b2b",
    "pro": "b2b",
    "professionnel": "b2b",
    "entreprise": "b2b",
    "b2c": "b2c",
    "particulier": "b2c",
    "consommateur": "b2c",
    "consumer": "b2c",
    "public": "public",  # a public buyer: Code de la commande publique
    "publique": "public",
    "b2g": "public",
    "acheteur public": "public",
}
_EMAIL = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[^@\s;,<>]+$")
CENT = Decimal("0.01")
ZERO = Decimal("0")


class InvoiceRecord(NamedTuple):
    """One invoice as a file states it. A named tuple, not a frozen dataclass:
    a million are built per large import, at a third of the cost."""

    row: int
    number: str
    customer_ref: str
    customer_name: str
    customer_emails: tuple[str, ...]
    issue_date: date
    due_date: date
    total: Decimal
    currency: str = "EUR"
    total_excl_tax: Decimal | None = None
    tax: Decimal | None = None
    paid: Decimal = ZERO
    paid_date: date | None = None
    siren: str = ""
    kind: str = "b2b"
    vat_number: str = ""
    # E-invoices: the PDF to keep as the invoice's document, and the text in
    # which the legal mentions are looked for.
    document: bytes | None = None
    document_text: str | None = None
    # The buyer's identifiers the file gives but that are not valid, as
    # (field, value): not kept, flagged on the invoice, never a reason to drop it.
    dropped_ids: tuple[tuple[str, str], ...] = ()


def map_headers(
    header: list[str], columns: dict[str, str] | None = None
) -> tuple[dict[str, int], list[str]]:
    """Column index of each known field, and the headers left unused. `columns`
    (field -> header, an organisation's saved mapping) wins over the guess."""
    mapping: dict[str, int] = {}
    wanted = {normalise_header(h): f for f, h in (columns or {}).items()}
    for idx, name in enumerate(header):
        field = wanted.get(normalise_header(name))
        if field and field not in mapping:
            mapping[field] = idx
    taken = set(mapping.values())
    unused = []
    for idx, name in enumerate(header):
        if idx in taken:
            continue
        field = _HEADERS.field(name)
        if field and field not in mapping and field not in (columns or {}):
            mapping[field] = idx
        else:
            unused.append(name)
    return mapping, unused


def check_columns(columns: dict[str, str]) -> None:
    """A mapping to save: known fields only, each column used once."""
    unknown = sorted(set(columns) - set(ALIASES))
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(unknown)}; known: {', '.join(ALIASES)}"
        )
    headers = [normalise_header(h) for h in columns.values()]
    if len(set(headers)) != len(headers):
        raise ValueError("a column is mapped to two fields")


@refusing_over_limits("CSV")
def read_invoices(
    data: bytes, columns: dict[str, str] | None = None, limits: Limits = DEFAULT
) -> ReadResult[InvoiceRecord]:
    """Invoices from CSV text (any separator, UTF-8 or Windows-1252)."""
    check_size(data, limits)
    text, encoding = decode(data)
    delimiter = sniff_delimiter(_from_first_table_line(text))
    header, rows, broken = read_rows(text, delimiter, limits)
    details = {"encoding": encoding, "delimiter": delimiter}
    return invoices_from_rows(header, rows, details, columns, broken)


def _from_first_table_line(text: str) -> str:
    """The text from the first line with two separators, for sniffing: title
    lines above an export's header hold none."""
    lines = text.lstrip().split("\n", TITLE_SEARCH)
    for n, line in enumerate(lines[:TITLE_SEARCH]):
        if any(line.count(d) >= 2 for d in (";", ",", "\t", "|")):
            return "\n".join(lines[n:])
    return text


def _past_titles(
    header: list[str], rows: list[tuple[int, list[str]]]
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header under an export's title lines (a company name, a period, a
    merged title): the first of the top rows naming three fields, or fitting a
    package's preset, when the first row names fewer than two."""
    if preset_for(header) or len(map_headers(header)[0]) >= 2:
        return header, rows
    for n, (_, cells) in enumerate(rows[:TITLE_SEARCH]):
        if preset_for(cells) or len(map_headers(cells)[0]) >= 3:
            return cells, rows[n + 1 :]
    return header, rows


DATES = ("issue_date", "due_date", "paid_date")
_MONTH_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _day_first(
    rows: list[tuple[int, list[str]]], columns: list[int]
) -> list[tuple[int, list[str]]]:
    """The rows with their mm/dd/yyyy dates written dd/mm/yyyy."""
    out = []
    for line, cells in rows:
        cells = list(cells)
        for i in columns:
            if i < len(cells):
                cells[i] = _day_first_text(cells[i])
        out.append((line, cells))
    return out


@lru_cache(maxsize=8192)
def _day_first_text(text: str) -> str:
    return _MONTH_FIRST.sub(r"\2/\1/\3", text)


def _not_owed(
    rows: list[tuple[int, list[str]]], column: int
) -> tuple[list[tuple[int, list[str]]], int]:
    """The rows without the drafts and cancelled invoices, and how many those were."""
    kept = [
        (line, cells)
        for line, cells in rows
        if column >= len(cells) or not _is_not_owed(cells[column])
    ]
    return kept, len(rows) - len(kept)


@lru_cache(maxsize=256)
def _is_not_owed(status: str) -> bool:
    """Cached: a file holds a handful of statuses over a million rows."""
    return normalise_header(status) in NOT_OWED


def invoices_from_rows(
    header: list[str],
    rows: list[tuple[int, list[str]]],
    details: dict[str, str],
    columns: dict[str, str] | None = None,
    broken: RowError | None = None,
) -> ReadResult[InvoiceRecord]:
    """Records from a table of text cells, whatever file it came from; `broken`
    is the error that stopped reading the file, reported after its rows. With
    no mapping given, a package's preset is used when the header is its."""
    header, rows = _past_titles(header, rows)
    preset = None if columns else preset_for(header)
    if preset:
        present = {normalise_header(h) for h in header}
        columns = {
            f: h for f, h in preset.columns.items() if normalise_header(h) in present
        }
        details["preset"] = preset.name
    mapping, unused = map_headers(header, columns)
    if preset:
        for field, i in list(mapping.items()):
            if normalise_header(header[i]) in preset.ignored:
                del mapping[field]
                unused.append(header[i])
        if preset.month_first:
            rows = _day_first(rows, [mapping[f] for f in DATES if f in mapping])
    if "status" in mapping:
        rows, dropped = _not_owed(rows, mapping["status"])
        if dropped:
            details["not_owed"] = (
                f"{dropped} draft or cancelled invoice(s) left out (status column)"
            )
    details["columns"] = ", ".join(
        f"{header[i]} -> {f}" for f, i in sorted(mapping.items(), key=lambda x: x[1])
    )
    if unused:
        details["ignored_columns"] = ", ".join(unused)
    missing = [f for f in REQUIRED if f not in mapping]
    if "customer_ref" not in mapping and "customer_name" not in mapping:
        missing.append("customer_ref or customer_name")
    if not header:
        return ReadResult([], [RowError(0, "The file is empty")], details)
    lost = [h for f, h in (columns or {}).items() if f not in mapping]
    if lost:
        reason = "The saved column mapping names columns this file lacks: %(lost)s"
        error = RowError(1, reason, params={"lost": ", ".join(lost)})
        return ReadResult([], [error], details)
    if missing:
        reason = "Columns missing: %(missing)s; the file's columns: %(found)s"
        params = {"missing": ", ".join(missing), "found": ", ".join(header)}
        return ReadResult([], [RowError(1, reason, params=params)], details)

    records: list[InvoiceRecord] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    width = max(mapping.values()) + 1
    checked = _checked_columns(rows, mapping, width)
    for (line, cells), record in zip(rows, checked, strict=True):
        if record is None:  # not plainly valid: the row's own check says why
            padded = cells + [""] * (width - len(cells))
            values = {f: padded[i].strip() for f, i in mapping.items()}
            if not any(values.values()) and not any(c.strip() for c in cells):
                continue
            try:
                record = row_record(line, values)
            except CellProblem as exc:
                column = mapping[exc.field]
                params = {
                    "row": line,
                    "column": header[column] if column < len(header) else column + 1,
                    "value": values[exc.field],
                }
                errors.append(RowError(line, exc.reason, _raw(header, cells), params))
                continue
            except RowProblem as exc:
                raw = _raw(header, cells)
                errors.append(RowError(line, exc.template, raw, exc.params))
                continue
            except ValueError as exc:
                errors.append(RowError(line, str(exc), _raw(header, cells)))
                continue
        if record.number in seen:
            errors.append(
                RowError(
                    line,
                    "Invoice %(number)s already appears on line %(first)s",
                    _raw(header, cells),
                    {"number": record.number, "first": seen[record.number]},
                )
            )
            continue
        seen[record.number] = line
        records.append(record)
    if broken:
        errors.append(broken)
    return ReadResult(records, errors, details)


class _Bad:
    """A cell that failed its check; the row then goes through `row_record`."""


BAD = _Bad()
# A column of plain amounts, one a line. Atomic groups: a cell matches one way
# only, and not looking for others makes the check three times faster.
_SIMPLE_COLUMN = re.compile(
    rf"(?>{SIMPLE_AMOUNT.pattern})?(?:\n(?>{SIMPLE_AMOUNT.pattern})?)*+"
)


def _checked_columns(
    rows: list[tuple[int, list[str]]], mapping: dict[str, int], width: int
) -> list[InvoiceRecord | None]:
    """Each row's record if it is plainly valid, else None. The same rules as
    `row_record`, applied a column at a time: a million rows are read in a third
    of the time. `row_record` stays the reference, and gives the reasons."""
    table = [c if len(c) >= width else c + [""] * (width - len(c)) for _, c in rows]

    def column(field: str) -> list[str] | None:
        i = mapping.get(field)
        return None if i is None else [c[i].strip() for c in table]

    def each(field: str, convert, empty):
        """The column converted once per distinct cell (dates, names, codes)."""
        cells = column(field)
        if cells is None:
            return repeat(empty)
        known: dict[str, object] = {"": empty}
        for text in set(cells) - {""}:
            try:
                known[text] = convert(text)
            except ValueError:
                known[text] = BAD
        return [known[c] for c in cells]

    def amounts(field: str):
        cells = column(field)
        if cells is None:
            return repeat(None)
        joined = "\n".join(cells)
        if _SIMPLE_COLUMN.fullmatch(joined):
            parts = joined.replace(",", ".").split("\n")
            if len(parts) == len(cells):  # no cell had a line break of its own
                return [Decimal(c) if c else None for c in parts]
        return [_cell_amount(c) for c in cells]

    lines = [line for line, _ in rows]
    numbers = column("number")
    names = column("customer_name") or [""] * len(rows)
    refs = column("customer_ref") or [""] * len(rows)
    columns = zip(
        lines,
        numbers,
        refs,
        names,
        each("customer_email", _emails, ()),
        each("issue_date", parse_date, None),
        each("due_date", parse_date, None),
        amounts("total"),
        each("currency", _currency, "EUR"),
        amounts("total_excl_tax"),
        amounts("tax"),
        amounts("paid"),
        amounts("open_amount"),
        each("paid_date", parse_date, None),
        each("siren", _siren, ""),
        each("kind", _kind, "b2b"),
        strict=False,  # absent columns are endless repeats of their default
    )
    out: list[InvoiceRecord | None] = []
    for (
        line,
        number,
        ref,
        name,
        emails,
        issue,
        due,
        total,
        cur,
        ht,
        tax,
        paid,
        open_,
        *rest,
    ) in columns:
        ref = ref or name.upper()
        if (
            not number
            or not ref
            or issue is None
            or issue is BAD
            or due is None
            or due is BAD
            or total is None
            or total is BAD
            or ht is BAD
            or tax is BAD
            or paid is BAD
            or open_ is BAD
            or emails is BAD
            or cur is BAD
            or BAD in rest
            or due < issue
            or total <= 0
        ):
            out.append(None)
            continue
        if ht is not None:
            if tax is None:
                tax = total - ht
            elif abs(ht + tax - total) > CENT:
                out.append(None)
                continue
        if open_ is not None and paid is None:
            if not ZERO <= open_ <= total:
                out.append(None)
                continue
            paid = total - open_
        if not paid:
            paid = ZERO
        elif not ZERO <= paid <= total:
            out.append(None)
            continue
        out.append(
            InvoiceRecord(
                line,
                number,
                ref,
                name or ref,
                emails,
                issue,
                due,
                total,
                cur,
                ht,
                tax,
                paid,
                *rest,
            )
        )
    return out


def _raw(header: list[str], cells: list[str]) -> dict[str, str]:
    """The row as the file had it, kept with its rejection."""
    return {
        header[i] if i < len(header) else f"column_{i + 1}": c
        for i, c in enumerate(cells)
    }


class RowProblem(ValueError):
    """A row that cannot be an invoice: an English sentence with its values, for
    the caller to translate before filling in (this package knows no languages).
    Its text, as a ValueError, is the English sentence filled in."""

    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template % params)
        self.template, self.params = template, params


EMPTY = {
    "number": "The invoice number is empty",
    "issue_date": "The issue date is empty",
    "due_date": "The due date is empty",
    "total": "The total is empty",
}


class CellProblem(ValueError):
    """A cell of the row that cannot be read: its field and the reason as a
    template the caller fills with the line, the column's header and the value."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def _amount(values: dict[str, str], field: str) -> Decimal | None:
    text = values.get(field)
    if not text:
        return None
    try:
        return _checked_amount(text)
    except ValueError as exc:
        reason = TOO_MANY_DECIMALS if "decimals" in str(exc) else NOT_AN_AMOUNT
        raise CellProblem(field, reason) from None


def _checked_amount(text: str) -> Decimal:
    if SIMPLE_AMOUNT.fullmatch(text):  # the common case: two decimals at most
        return Decimal(text.replace(",", "."))
    value = parse_decimal(text)
    if value != value.quantize(CENT):
        raise ValueError(f"more than two decimals in {text!r}")
    return value


def _cell_amount(text: str) -> Decimal | _Bad | None:
    if not text:
        return None
    try:
        return _checked_amount(text)
    except ValueError:
        return BAD


def _date(values: dict[str, str], field: str) -> date | None:
    if not values.get(field):
        return None
    try:
        return parse_date(values[field])
    except ValueError:
        raise CellProblem(field, NOT_A_DATE) from None


@lru_cache(maxsize=64)
def _currency(text: str) -> str:
    currency = "EUR" if text == "€" else text.upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise RowProblem(
            "The currency must be a three-letter code such as EUR, not “%(value)s”",
            value=text,
        )
    return currency


@lru_cache(maxsize=65536)
def _emails(text: str) -> tuple[str, ...]:
    """The addresses of a cell; cached, since a customer's repeat on every row."""
    emails = tuple(e.strip() for e in re.split(r"[;,]", text) if e.strip())
    for email in emails:
        if not _EMAIL.match(email):
            raise RowProblem("“%(value)s” is not an email address", value=email)
    return emails


def _siren(text: str) -> str:
    siren = text.replace(" ", "")
    return validate_siren(siren) if siren else ""


def _kind(text: str) -> str:
    kind = KINDS.get(text.strip().lower())
    if kind is None:
        raise RowProblem(
            "The type must be b2b, b2c or public (a public buyer), not “%(value)s”",
            value=text.strip(),
        )
    return kind


def row_record(line: int, v: dict[str, str]) -> InvoiceRecord:
    for field in REQUIRED:
        if not v.get(field):
            raise RowProblem(EMPTY[field])
    name = v.get("customer_name", "")
    ref = v.get("customer_ref") or name.upper()
    if not ref:
        raise RowProblem("The customer has neither a reference nor a name")
    issue, due = _date(v, "issue_date"), _date(v, "due_date")
    assert issue and due
    if due < issue:
        raise RowProblem(
            "The due date, %(due)s, is before the issue date, %(issue)s",
            due=f"{due:%d/%m/%Y}",
            issue=f"{issue:%d/%m/%Y}",
        )
    total = _amount(v, "total")
    assert total is not None
    if total <= 0:
        raise RowProblem(
            "The total must be positive, not %(total)s (a credit note is not an "
            "invoice)",
            total=total,
        )
    ht, tax = _amount(v, "total_excl_tax"), _amount(v, "tax")
    if ht is not None and tax is not None and abs(ht + tax - total) > CENT:
        raise RowProblem(
            "Excluding tax %(ht)s plus tax %(tax)s does not make the total %(total)s",
            ht=ht,
            tax=tax,
            total=total,
        )
    if ht is not None and tax is None:
        tax = total - ht
    paid = _amount(v, "paid")
    open_ = _amount(v, "open_amount")
    if paid is None and open_ is not None:
        if not ZERO <= open_ <= total:
            raise RowProblem(
                "The amount left to pay, %(open)s, must be between 0 and the total "
                "%(total)s",
                open=open_,
                total=total,
            )
        paid = total - open_
    paid = paid or ZERO
    if not ZERO <= paid <= total:
        raise RowProblem(
            "The amount paid, %(paid)s, must be between 0 and the total %(total)s",
            paid=paid,
            total=total,
        )
    currency = _currency(v.get("currency") or "EUR")
    emails = _emails(v.get("customer_email", ""))
    siren, dropped = "", ()
    if v.get("siren"):
        siren = checked_siren(v["siren"].replace(" ", "")) or ""
        dropped = () if siren else (("SIREN", v["siren"]),)
    kind = _kind(v["kind"]) if v.get("kind") else "b2b"
    return InvoiceRecord(
        row=line,
        number=v["number"],
        customer_ref=ref,
        customer_name=name or ref,
        customer_emails=emails,
        issue_date=issue,
        due_date=due,
        total=total,
        currency=currency,
        total_excl_tax=ht,
        tax=tax,
        paid=paid,
        paid_date=_date(v, "paid_date"),
        siren=siren,
        kind=kind,
        dropped_ids=dropped,
    )
