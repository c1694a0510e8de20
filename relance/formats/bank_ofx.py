"""Bank statements in OFX (1.x SGML and 2.x XML), as French banks export them.
ofxtools reads the file; the transactions are taken from its element tree rather
than its strict model, because banks routinely break the spec (names longer than
32 characters, amounts with a decimal comma) and the payment must still be seen."""

from __future__ import annotations

import io
from datetime import date

from ofxtools.Parser import OFXTree

from .bank_line import BankLine, finish, split_label, too_large
from .errors import ReadResult, RowError
from .tabular import parse_decimal


def _day(text: str) -> date:
    digits = text.strip()[:8]
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError(f"not an OFX date: {text!r}")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def read_ofx(data: bytes) -> ReadResult[BankLine]:
    if refused := too_large(data):
        return refused
    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(data))
        root = tree._root  # the parsed tree; convert() would enforce the spec
    except Exception as exc:  # ofxtools raises many types on broken files
        reason = f"not a readable OFX file: {str(exc)[:200]}"
        return ReadResult([], [RowError(0, reason)])
    if root is None:
        return ReadResult([], [RowError(0, "not a readable OFX file")])
    records: list[BankLine] = []
    errors: list[RowError] = []
    row = 0
    for stmt in [*root.iter("STMTRS"), *root.iter("CCSTMTRS")]:
        currency = (stmt.findtext("CURDEF") or "EUR").strip().upper()
        account = (stmt.findtext(".//ACCTID") or "").strip()
        for tx in stmt.iter("STMTTRN"):
            row += 1
            fields = {c.tag: (c.text or "").strip() for c in tx}
            try:
                records.append(_line(row, fields, currency, account))
            except ValueError as exc:
                errors.append(RowError(row, str(exc), fields))
    if not row and not errors:
        errors.append(RowError(0, "no bank statement (STMTRS) in the OFX file"))
    return finish(records, errors, {"format": "OFX"})


def _line(row: int, f: dict[str, str], currency: str, account: str) -> BankLine:
    if not f.get("DTPOSTED"):
        raise ValueError("transaction without a DTPOSTED date")
    if not f.get("TRNAMT"):
        raise ValueError("transaction without a TRNAMT amount")
    amount = parse_decimal(f["TRNAMT"])
    name, memo = f.get("NAME", ""), f.get("MEMO", "")
    payer, remittance = split_label(name)
    if payer:  # "VIR SEPA DE X MOTIF Y": the label carries both
        text = " ".join(
            x for x in (remittance if remittance != name else "", memo) if x
        )
    elif amount > 0 and not _is_label(name):
        payer, text = name, memo  # banks that put the payer alone in NAME
    else:
        text = " ".join(x for x in (name, memo) if x)
    return BankLine(
        row=row,
        booked=_day(f["DTPOSTED"]),
        amount=amount,
        currency=(f.get("CURRENCY") or currency)[:3] or "EUR",
        payer=payer,
        remittance=text,
        end_to_end=f.get("REFNUM", ""),
        bank_ref=f.get("FITID", ""),
        account=account,
    )


def _is_label(name: str) -> bool:
    """Bank wording such as "VIR SEPA RECU" rather than a payer's name."""
    return name.upper().startswith(("VIR", "VIREMENT", "PRLV", "CB ", "REM", "CHQ"))
