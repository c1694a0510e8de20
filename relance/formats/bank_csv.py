"""Bank statements as the CSV exports of online banking: a few lines about the
account, then a header (Date; Libellé; Débit; Crédit, or a signed Montant),
as BNP Paribas, Société Générale, Crédit Agricole, Crédit Mutuel/CIC, LCL,
Banque Populaire/Caisse d'Épargne, La Banque Postale, Boursorama, Fortuneo,
Qonto, Shine, Revolut, N26 and Wise write them (tests/formats/files holds one
of each). Columns are found by their header's name; an export with no header
at all (BNP Paribas, LCL) has its columns found from the rows themselves."""

from __future__ import annotations

import re

from .bank_line import BankLine, finish, split_label, too_large
from .errors import ReadResult, RowError
from .limits import DEFAULT, Limits, refusing_over_limits
from .tabular import (
    NOT_A_DATE,
    NOT_AN_AMOUNT,
    HeaderGuesser,
    decode,
    normalise_header,
    parse_date,
    parse_decimal,
    read_rows,
    sniff_delimiter,
)

# Each field's header names, the preferred first.
ALIASES: dict[str, tuple[str, ...]] = {
    "booked": (
        "date",
        "date_operation",
        "date_d_operation",
        "date_de_l_operation",
        "date_comptable",
        "date_de_comptabilisation",
        "booking_date",
        "completed_date",  # Revolut: the day the money moved
        "date_completed",
        "settlement_date",  # Qonto
        "date_de_reglement",
        "date_de_la_transaction",  # Shine
        "dateop",  # Boursorama
        "transaction_date",
        "operation_date",  # Qonto's other date, when the card was used
        "date_valeur",
        "value_date",
    ),
    "label": (
        "libelle",
        "libelle_operation",
        "label",
        "description",
        "details",
        "detail",
        "intitule",
        "nature_de_l_operation",
        "operation",
    ),
    # Words that complete the label (Société Générale's "Détail de l'écriture").
    "detail": ("detail_de_l_ecriture", "libelle_complementaire", "sous_libelle"),
    "amount": (
        "montant",
        "amount",
        "montant_eur",
        "montant_euros",
        "montant_de_l_operation",
        "total_amount",  # Qonto: "Total amount (incl. VAT)"
        "montant_total",
    ),
    "debit": ("debit", "debit_eur", "debit_euros", "montant_debit"),
    "credit": ("credit", "credit_eur", "credit_euros", "montant_credit"),
    "payer": (
        "tiers",
        "emetteur",
        "payer",
        "payer_name",
        "partner_name",  # N26
        "counterparty",
        "counterparty_name",
        "contrepartie",
        "nom_de_la_contrepartie",  # Shine
        "libelle_simplifie",  # Banque Populaire, Caisse d'Épargne
    ),
    "reference": (
        "reference",
        "motif",
        "payment_reference",
        "information_complementaire",
        "informations_complementaires",
    ),
    "currency": ("devise", "currency"),
    "state": ("state", "status", "statut", "etat"),
}
_HEADERS = HeaderGuesser(ALIASES)
HEADER_SEARCH = 50  # top rows in which the header is looked for
GUESS_SAMPLE = 200  # rows from which a headerless file's columns are found
_EVERY = ("reference", "detail")  # fields read from every column naming them
# Lines that are not money moved (yet): Revolut's and Qonto's states.
_NOT_MOVED = frozenset(
    [
        "pending",
        "declined",
        "reverted",
        "failed",
        "cancelled",
        "canceled",
        "en_attente",
        "annule",
        "refuse",
        "rejected",
    ]
)
_TIME = re.compile(
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)$"
)


def _mapping(cells: list[str]) -> dict[str, list[int]]:
    """Each field's columns: the one whose header names it best, or for
    references and details every one that does."""
    best: dict[str, tuple[tuple[int, int], int]] = {}
    every: dict[str, list[int]] = {}
    for i, cell in enumerate(cells):
        found = _HEADERS.ranked(cell)
        if found is None:
            continue
        field, rank = found
        if field in _EVERY:
            every.setdefault(field, []).append(i)
        elif field not in best or rank < best[field][0]:
            best[field] = (rank, i)
    return {**{f: [i] for f, (_, i) in best.items()}, **every}


def _usable(mapping: dict[str, list[int]]) -> bool:
    has_amount = "amount" in mapping or {"debit", "credit"} <= mapping.keys()
    has_text = bool({"label", "payer", "reference"} & mapping.keys())
    return "booked" in mapping and has_amount and has_text


@refusing_over_limits("CSV")
def read_bank_csv(data: bytes, limits: Limits = DEFAULT) -> ReadResult[BankLine]:
    if refused := too_large(data, limits):
        return refused
    text, encoding = decode(data)
    delimiter = sniff_delimiter(_after_preamble(text))
    header, rows, broken = read_rows(text, delimiter, limits)
    details = {"format": "CSV", "encoding": encoding, "delimiter": delimiter}
    table = [(1, header), *rows]
    mapping, above = _mapping(header), 0
    while not _usable(mapping) and above < min(HEADER_SEARCH, len(rows)):
        header = rows[above][1]  # past the account lines above the header
        mapping, above = _mapping(header), above + 1
    if _usable(mapping):
        rows = rows[above:]
    guessed = False
    if not _usable(mapping):
        mapping, rows, header = _guessed(table), table, []
        guessed = bool(mapping)
    if not mapping:
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
    skipped = 0
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        values = {
            f: " ".join(cells[i].strip() for i in columns if i < len(cells)).strip()
            for f, columns in mapping.items()
        }
        if "state" in values and normalise_header(values["state"]) in _NOT_MOVED:
            skipped += 1
            continue
        try:
            records.append(_line(line, values))
        except _Bad as exc:
            if guessed or not (values.get("booked") or values.get("label")):
                continue  # an account or balance line, a blank separator
            raw = {
                header[i] if i < len(header) else f"column_{i + 1}": c
                for i, c in enumerate(cells)
            }
            column = mapping[exc.field][0]
            params = {
                "row": line,
                "column": header[column] if column < len(header) else column + 1,
                "value": values.get(exc.field, ""),
            }
            errors.append(RowError(line, exc.reason, raw, params))
    if broken:
        errors.append(broken)
    result = finish(records, errors, details)
    if guessed:
        result.notes.append(
            RowError(0, "The file has no header: its columns were found from its rows")
        )
    if skipped:
        result.notes.append(
            RowError(
                0,
                "Lines not yet carried out (pending, declined or reverted) "
                "were left out: %(count)s",
                params={"count": skipped},
            )
        )
    return result


def _after_preamble(text: str) -> str:
    """The text from the first line that looks like a header, for sniffing."""
    lines = text.split("\n", HEADER_SEARCH)
    for n, line in enumerate(lines[:HEADER_SEARCH]):
        lowered = normalise_header(line)
        if "date" in lowered and ("libel" in lowered or "label" in lowered):
            return "\n".join(lines[n:])
    return text


def _is_date(text: str) -> bool:
    try:
        parse_date(_TIME.sub("", text.strip()))
    except ValueError:
        return False
    return True


def _is_amount(text: str) -> bool:
    try:
        parse_decimal(text.strip())
    except ValueError:
        return False
    return bool(text.strip())


def _guessed(table: list[tuple[int, list[str]]]) -> dict[str, list[int]]:
    """The columns of an export with no header, from its rows: those starting
    with a date are the transactions; the first other column holding an amount
    on every one of them is the amount, the longest text the label, and the
    other texts with digits (a reference, a cheque number) complete it."""
    lines = []
    for _, cells in table:  # a sample decides: the columns are the same below
        if cells and _is_date(cells[0]):
            lines.append(cells)
            if len(lines) == GUESS_SAMPLE:
                break
    if not lines:
        return {}
    width = min(len(c) for c in lines)
    amounts = [j for j in range(1, width) if all(_is_amount(c[j]) for c in lines)]
    if not amounts:
        return {}
    texts = [j for j in range(1, width) if j not in amounts]
    if not texts:
        return {}
    label = max(texts, key=lambda j: sum(len(c[j].strip()) for c in lines))
    others = [
        j for j in texts if j != label and any(re.search(r"\d", c[j]) for c in lines)
    ]
    mapping = {"booked": [0], "amount": [amounts[0]], "label": [label]}
    if others:
        mapping["reference"] = others
    return mapping


class _Bad(ValueError):
    """A cell that cannot be read: the field, and the reason as a template
    (line, column and value are filled in, in the reader's language)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


NO_AMOUNT = "Line %(row)s: neither a debit nor a credit"


def _line(line: int, v: dict[str, str]) -> BankLine:
    try:
        booked = parse_date(_TIME.sub("", v.get("booked", "")))
    except ValueError:
        raise _Bad("booked", NOT_A_DATE) from None
    field = "amount" if v.get("amount") else "credit"
    try:
        if v.get("amount"):
            amount = parse_decimal(v["amount"])
        else:
            credit = parse_decimal(v["credit"]) if v.get("credit") else None
            field = "debit"
            debit = parse_decimal(v["debit"]) if v.get("debit") else None
            if credit is None and debit is None:
                raise _Bad("debit" if "debit" in v else "credit", NO_AMOUNT)
            amount = (credit or 0) - abs(debit or 0)
    except _Bad:
        raise
    except ValueError:
        raise _Bad(field, NOT_AN_AMOUNT) from None
    label = " ".join(f"{v.get('label', '')} {v.get('detail', '')}".split())
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
