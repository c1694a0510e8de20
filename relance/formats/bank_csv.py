"""Bank statements as the CSV exports of French online banking: a few lines about
the account, then a header (Date; Libellé; Débit; Crédit, or a signed Montant)."""

from __future__ import annotations

from .bank_line import BankLine, finish, split_label, too_large
from .errors import ReadResult, RowError
from .limits import DEFAULT, Limits, refusing_over_limits
from .tabular import (
    HeaderGuesser,
    decode,
    normalise_header,
    parse_date,
    parse_decimal,
    read_rows,
    sniff_delimiter,
)

ALIASES: dict[str, tuple[str, ...]] = {
    "booked": (
        "date",
        "date_operation",
        "date_d_operation",
        "date_comptable",
        "date_de_comptabilisation",
        "booking_date",
        "date_valeur",
        "value_date",
    ),
    "label": (
        "libelle",
        "libelle_operation",
        "libelle_simplifie",
        "label",
        "description",
        "details",
        "detail",
        "intitule",
        "nature_de_l_operation",
        "operation",
    ),
    "amount": ("montant", "amount", "montant_eur", "montant_euros"),
    "debit": ("debit", "debit_eur", "debit_euros"),
    "credit": ("credit", "credit_eur", "credit_euros"),
    "payer": ("tiers", "emetteur", "payer", "contrepartie", "counterparty"),
    "reference": (
        "reference",
        "motif",
        "information_complementaire",
        "informations_complementaires",
    ),
    "currency": ("devise", "currency"),
}
_HEADERS = HeaderGuesser(ALIASES)


def _mapping(cells: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for i, cell in enumerate(cells):
        field = _HEADERS.field(cell)
        if field and field not in mapping:
            mapping[field] = i
    return mapping


def _usable(mapping: dict[str, int]) -> bool:
    has_amount = "amount" in mapping or {"debit", "credit"} <= mapping.keys()
    return "booked" in mapping and "label" in mapping and has_amount


@refusing_over_limits("CSV")
def read_bank_csv(data: bytes, limits: Limits = DEFAULT) -> ReadResult[BankLine]:
    if refused := too_large(data, limits):
        return refused
    text, encoding = decode(data)
    delimiter = sniff_delimiter(_after_preamble(text))
    header, rows, broken = read_rows(text, delimiter, limits)
    details = {"format": "CSV", "encoding": encoding, "delimiter": delimiter}
    mapping = _mapping(header)
    while not _usable(mapping) and rows:  # skip the account lines above the header
        _, header = rows.pop(0)
        mapping = _mapping(header)
    if not _usable(mapping):
        return ReadResult(
            [],
            [
                RowError(
                    0,
                    "no header with a date, a label and an amount (or debit "
                    "and credit) columns",
                )
            ],
            details,
        )
    records: list[BankLine] = []
    errors: list[RowError] = []
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        raw = {
            header[i] if i < len(header) else f"column_{i + 1}": c
            for i, c in enumerate(cells)
        }
        values = {
            f: cells[i].strip() if i < len(cells) else "" for f, i in mapping.items()
        }
        try:
            records.append(_line(line, values))
        except ValueError as exc:
            if not values.get("booked") and not values.get("label"):
                continue  # a closing balance or a blank separator line
            errors.append(RowError(line, str(exc), raw))
    if broken:
        errors.append(broken)
    return finish(records, errors, details)


def _after_preamble(text: str) -> str:
    """The text from the first line that looks like a header, for sniffing."""
    for n, line in enumerate(text.splitlines()):
        lowered = normalise_header(line)
        if "date" in lowered and ("libel" in lowered or "label" in lowered):
            return "\n".join(text.splitlines()[n:])
    return text


def _line(line: int, v: dict[str, str]) -> BankLine:
    try:
        booked = parse_date(v.get("booked", ""))
    except ValueError as exc:
        raise ValueError(f"date: {exc}") from None
    try:
        if v.get("amount"):
            amount = parse_decimal(v["amount"])
        else:
            credit = parse_decimal(v["credit"]) if v.get("credit") else None
            debit = parse_decimal(v["debit"]) if v.get("debit") else None
            if credit is None and debit is None:
                raise ValueError("neither a debit nor a credit")
            amount = (credit or 0) - abs(debit or 0)
    except ValueError as exc:
        raise ValueError(f"amount: {exc}") from None
    label = " ".join(v.get("label", "").split())
    payer, remittance = split_label(label)
    reference = v.get("reference", "")
    return BankLine(
        row=line,
        booked=booked,
        amount=amount,
        currency=(v.get("currency") or "EUR").upper()[:3],
        payer=v.get("payer") or payer,
        remittance=" ".join(x for x in (remittance, reference) if x),
    )
