"""Bank statements in ISO 20022 CAMT.053 (and CAMT.054) XML, read through
xml_tree (defusedxml, elements by local name)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from . import xml_tree as xml
from .bank_line import BankLine, finish, too_large
from .errors import ReadResult, RowError
from .limits import DEFAULT, Limits, refusing_over_limits


def _day(node: Element | None) -> date | None:
    text = xml.text(node, "Dt") or xml.text(node, "DtTm")[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


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
    records, errors, row = [], [], 0
    for stmt in statements:
        account = xml.text(stmt, "Acct", "Id", "IBAN") or xml.text(
            stmt, "Acct", "Id", "Othr", "Id"
        )
        for entry in xml.children(stmt, "Ntry"):
            row += 1
            try:
                lines = _entry(entry, row, account)
            except ValueError as exc:
                errors.append(
                    RowError(row, str(exc), {"entry": xml.text(entry, "NtryRef")})
                )
                continue
            records += lines
    return finish(records, errors, {"format": "CAMT"})


def _entry(entry: Element, row: int, account: str) -> list[BankLine]:
    booked = _day(xml.first(entry, "BookgDt")) or _day(xml.first(entry, "ValDt"))
    if booked is None:
        raise ValueError("entry without a booking or value date")
    sign = -1 if xml.text(entry, "CdtDbtInd") == "DBIT" else 1
    amount_node = xml.first(entry, "Amt")
    if amount_node is None:
        raise ValueError("entry without an amount")
    currency = amount_node.get("Ccy", "EUR")
    bank_ref = xml.text(entry, "AcctSvcrRef") or xml.text(entry, "NtryRef")
    details = xml.descendants(xml.first(entry, "NtryDtls"), "TxDtls") or [entry]
    lines = []
    for n, tx in enumerate(details, 1):
        tx_amount = (
            xml.first(tx, "AmtDtls", "TxAmt", "Amt") if tx is not entry else None
        )
        if tx_amount is None and len(details) > 1:
            tx_amount = xml.first(tx, "Amt")
        node = tx_amount if tx_amount is not None else amount_node
        try:
            amount = Decimal((node.text or "").strip())
        except InvalidOperation:
            raise ValueError(f"amount is not a number: {node.text!r}") from None
        remittance = " ".join(
            (u.text or "").strip()
            for u in xml.descendants(xml.first(tx, "RmtInf"), "Ustrd")
        )
        party = "Dbtr" if sign > 0 else "Cdtr"
        lines.append(
            BankLine(
                row=row,
                booked=booked,
                amount=sign * amount,
                currency=node.get("Ccy", currency),
                payer=xml.text(tx, "RltdPties", party, "Nm")
                or xml.text(tx, "RltdPties", party, "Pty", "Nm"),
                remittance=remittance,
                creditor_ref=xml.text(tx, "RmtInf", "Strd", "CdtrRefInf", "Ref"),
                end_to_end=xml.text(tx, "Refs", "EndToEndId"),
                bank_ref=f"{bank_ref}#{n}"
                if bank_ref and len(details) > 1
                else bank_ref,
                account=account,
            )
        )
    return lines
