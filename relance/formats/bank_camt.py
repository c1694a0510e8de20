"""Bank statements in ISO 20022 CAMT.053 (and CAMT.054) XML, read through
xml_tree (defusedxml, elements by local name)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from . import xml_tree as xml
from .bank_line import BankLine, Unreadable, finish, too_large
from .errors import ReadResult, RowError
from .limits import DEFAULT, Limits, refusing_over_limits


@refusing_over_limits("CAMT")
def read_camt(data: bytes, limits: Limits = DEFAULT) -> ReadResult[BankLine]:
    if refused := too_large(data, limits):
        return refused
    try:
        root = xml.parse(data, limits)
    except ValueError as exc:
        return ReadResult([], [RowError(0, str(exc))])
    statements = xml.descendants(root, "Stmt") + xml.descendants(root, "Ntfctn")
    if not statements:
        return ReadResult(
            [], [RowError(0, "no CAMT statement (Stmt or Ntfctn) in the file")]
        )
    created = _day(xml.first(root, "BkToCstmrDbtCdtNtfctn|BkToCstmrStmt", "GrpHdr"))
    records, errors, notes, row = [], [], [], 0
    for stmt in statements:
        account = xml.text(stmt, "Acct", "Id", "IBAN") or xml.text(
            stmt, "Acct", "Id", "Othr", "Id"
        )
        stmt_created = _day(stmt) or created
        for entry in xml.children(stmt, "Ntry"):
            row += 1
            try:
                lines = _entry(entry, row, account, stmt_created, notes)
            except Unreadable as exc:
                errors.append(exc.error(row, {"entry": xml.text(entry, "NtryRef")}))
                continue
            records += lines
    result = finish(records, errors, {"format": "CAMT"})
    result.notes = notes
    return result


def _day(node: Element | None) -> date | None:
    """The day of a date or date-time element (Dt, DtTm or CreDtTm below it)."""
    text = (
        xml.text(node, "Dt")
        or xml.text(node, "DtTm")[:10]
        or xml.text(node, "CreDtTm")[:10]
    )
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _amount(node: Element) -> Decimal:
    try:
        return Decimal((node.text or "").strip())
    except InvalidOperation:
        raise Unreadable(
            "Entry %(row)s: “%(value)s” is not an amount", value=node.text or ""
        ) from None


def _own_amount(tx: Element) -> Element | None:
    """A transaction's amount in the account's currency, if it gives one."""
    found = xml.first(tx, "AmtDtls", "TxAmt", "Amt")
    return found if found is not None else xml.first(tx, "Amt")


def _entry(
    entry: Element, row: int, account: str, created: date | None, notes: list
) -> list[BankLine]:
    """The entry's lines: one per transaction when each of its details carries
    its own amount and together they make the entry's, else one line for the
    entry's amount (a batch whose details carry no amount received the entry's
    amount once, not once per detail). What it assumes goes to `notes`, once
    the entry is read."""
    assumed = []
    booked = _day(xml.first(entry, "BookgDt")) or _day(xml.first(entry, "ValDt"))
    if booked is None and created is not None:
        booked = created
        assumed.append(
            RowError(
                row,
                "Entry %(row)s has no booking or value date: the date the bank "
                "created the file, %(day)s, is used",
                params={"row": row, "day": created.isoformat()},
            )
        )
    if booked is None:
        raise Unreadable("Entry %(row)s has no booking or value date")
    sign = -1 if xml.text(entry, "CdtDbtInd") == "DBIT" else 1
    amount_node = xml.first(entry, "Amt")
    if amount_node is None:
        raise Unreadable("Entry %(row)s has no amount")
    total, currency = _amount(amount_node), amount_node.get("Ccy", "EUR")
    bank_ref = xml.text(entry, "AcctSvcrRef") or xml.text(entry, "NtryRef")
    details = xml.descendants(xml.first(entry, "NtryDtls"), "TxDtls")
    own = [_own_amount(tx) for tx in details]
    split = len(details) > 1 and all(node is not None for node in own)
    if split and (
        any(node.get("Ccy", currency) != currency for node in own)
        or sum(_amount(node) for node in own) != total
    ):
        split = False
        assumed.append(
            RowError(
                row,
                "Entry %(row)s: its transactions' amounts do not add up to the "
                "entry's %(amount)s %(currency)s; read as one line",
                params={"row": row, "amount": total, "currency": currency},
            )
        )
    party = "Dbtr" if sign > 0 else "Cdtr"

    def line(txs: list[Element], amount: Decimal, ref: str) -> BankLine:
        def one(*path: str) -> str:
            found = {xml.text(tx, *path) for tx in txs} - {"", "NOTPROVIDED"}
            return found.pop() if len(found) == 1 else ""

        return BankLine(
            row=row,
            booked=booked,
            amount=sign * amount,
            currency=currency,
            payer=one("RltdPties", party, "Nm") or one("RltdPties", party, "Pty", "Nm"),
            remittance=" ".join(
                (u.text or "").strip()
                for tx in txs
                for u in xml.descendants(xml.first(tx, "RmtInf"), "Ustrd")
            ),
            creditor_ref=one("RmtInf", "Strd", "CdtrRefInf", "Ref"),
            end_to_end=one("Refs", "EndToEndId"),
            bank_ref=ref,
            account=account,
        )

    if not split:
        lines = [line(details or [entry], total, bank_ref)]
    else:
        lines = [
            line([tx], _amount(node), f"{bank_ref}#{n}" if bank_ref else "")
            for n, (tx, node) in enumerate(zip(details, own, strict=True), 1)
        ]
    notes += assumed
    return lines
