"""Bank statements in SWIFT MT940, read with the mt-940 library. The :86: field
carries the remittance; its layout differs from bank to bank, so the payer is
taken only where the bank names it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import mt940

from .bank_line import BankLine, finish, split_label, too_large
from .errors import ReadResult, RowError
from .limits import DEFAULT, Limits, refusing_over_limits, too_many_rows
from .tabular import decode

UNREADABLE = (
    "not a readable MT940 file: its fields are broken (export the statement "
    "again from the bank)"
)


@refusing_over_limits("MT940")
def read_mt940(data: bytes, limits: Limits = DEFAULT) -> ReadResult[BankLine]:
    if refused := too_large(data, limits):
        return refused
    text, _ = decode(data)
    if ":61:" not in text:
        return ReadResult([], [RowError(0, "no MT940 transaction (:61:) in the file")])
    if text.count(":61:") > limits.rows:
        raise too_many_rows(0, limits)
    statements = mt940.models.Transactions(processors={})
    try:
        statements.parse(text.replace("\r\n", "\n"))
    except Exception:  # the library raises many types, its messages its own
        return ReadResult([], [RowError(0, UNREADABLE)])
    account = str(statements.data.get("account_identification") or "")
    records: list[BankLine] = []
    errors: list[RowError] = []
    for row, tx in enumerate(statements, 1):
        data_ = tx.data
        amount = data_.get("amount")
        booked = data_.get("date")
        if amount is None or booked is None:
            errors.append(RowError(row, "transaction without an amount or a date"))
            continue
        details = " ".join(str(data_.get("transaction_details") or "").split())
        payer, remittance = split_label(details)
        bank_ref = str(data_.get("bank_reference") or "")
        customer_ref = str(data_.get("customer_reference") or "")
        records.append(
            BankLine(
                row=row,
                booked=date(booked.year, booked.month, booked.day),
                amount=Decimal(str(amount.amount)),
                currency=str(amount.currency or data_.get("currency") or "EUR"),
                payer=payer,
                remittance=remittance,
                end_to_end="" if customer_ref == "NONREF" else customer_ref,
                bank_ref=bank_ref,
                account=account,
            )
        )
    return finish(records, errors, {"format": "MT940"})
