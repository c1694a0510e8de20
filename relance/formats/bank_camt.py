"""Bank statements in ISO 20022 CAMT.053 (and CAMT.054) XML. Parsed with defusedxml:
entity expansion and external entities are refused, never followed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from .bank_line import BankLine, finish, too_large
from .errors import ReadResult, RowError


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(node: Element | None, *path: str) -> Element | None:
    for name in path:
        if node is None:
            return None
        node = next((c for c in node if _local(c.tag) == name), None)
    return node


def _text(node: Element | None, *path: str) -> str:
    found = _find(node, *path)
    return (found.text or "").strip() if found is not None else ""


def _all(node: Element | None, name: str) -> list[Element]:
    return [c for c in node.iter() if _local(c.tag) == name] if node is not None else []


def _day(node: Element | None) -> date | None:
    text = _text(node, "Dt") or _text(node, "DtTm")[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def read_camt(data: bytes) -> ReadResult[BankLine]:
    if refused := too_large(data):
        return refused
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        return ReadResult(
            [], [RowError(0, f"refused unsafe XML: {type(exc).__name__}")]
        )
    except ElementTree.ParseError as exc:
        return ReadResult([], [RowError(0, f"not well-formed XML: {exc}")])
    except LookupError as exc:  # <?xml encoding="..."?> names no known codec
        return ReadResult([], [RowError(0, f"unknown XML encoding: {exc}")])
    statements = _all(root, "Stmt") + _all(root, "Ntfctn")
    if not statements:
        return ReadResult(
            [], [RowError(0, "no CAMT statement (Stmt or Ntfctn) in the file")]
        )
    records, errors, row = [], [], 0
    for stmt in statements:
        account = _text(stmt, "Acct", "Id", "IBAN") or _text(
            stmt, "Acct", "Id", "Othr", "Id"
        )
        for entry in (c for c in stmt if _local(c.tag) == "Ntry"):
            row += 1
            try:
                lines = _entry(entry, row, account)
            except ValueError as exc:
                errors.append(
                    RowError(row, str(exc), {"entry": _text(entry, "NtryRef")})
                )
                continue
            records += lines
    return finish(records, errors, {"format": "CAMT"})


def _entry(entry: Element, row: int, account: str) -> list[BankLine]:
    booked = _day(_find(entry, "BookgDt")) or _day(_find(entry, "ValDt"))
    if booked is None:
        raise ValueError("entry without a booking or value date")
    sign = -1 if _text(entry, "CdtDbtInd") == "DBIT" else 1
    amount_node = _find(entry, "Amt")
    if amount_node is None:
        raise ValueError("entry without an amount")
    currency = amount_node.get("Ccy", "EUR")
    bank_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    details = _all(_find(entry, "NtryDtls"), "TxDtls") or [entry]
    lines = []
    for n, tx in enumerate(details, 1):
        tx_amount = _find(tx, "AmtDtls", "TxAmt", "Amt") if tx is not entry else None
        if tx_amount is None and len(details) > 1:
            tx_amount = _find(tx, "Amt")
        node = tx_amount if tx_amount is not None else amount_node
        try:
            amount = Decimal((node.text or "").strip())
        except InvalidOperation:
            raise ValueError(f"amount is not a number: {node.text!r}") from None
        remittance = " ".join(
            (u.text or "").strip() for u in _all(_find(tx, "RmtInf"), "Ustrd")
        )
        party = "Dbtr" if sign > 0 else "Cdtr"
        lines.append(
            BankLine(
                row=row,
                booked=booked,
                amount=sign * amount,
                currency=node.get("Ccy", currency),
                payer=_text(tx, "RltdPties", party, "Nm")
                or _text(tx, "RltdPties", party, "Pty", "Nm"),
                remittance=remittance,
                creditor_ref=_text(tx, "RmtInf", "Strd", "CdtrRefInf", "Ref"),
                end_to_end=_text(tx, "Refs", "EndToEndId"),
                bank_ref=f"{bank_ref}#{n}"
                if bank_ref and len(details) > 1
                else bank_ref,
                account=account,
            )
        )
    return lines
