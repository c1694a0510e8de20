"""The SEPA credit transfer QR code of the European Payments Council (EPC069-12,
"Quick Response Code: guidelines to enable data capture for the initiation of a
SEPA credit transfer", version 002): a banking app scans it and fills in the
creditor, IBAN, BIC, amount and reference. Drawn with segno as a PNG."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from stdnum import bic as bic_check
from stdnum import iban as iban_check
from stdnum import iso11649

MAX_AMOUNT = Decimal("999999999.99")
MAX_BYTES = 331  # the whole payload, UTF-8
NAME_CHARS = 70


@dataclass(frozen=True, slots=True)
class Transfer:
    name: str
    iban: str
    amount: Decimal
    reference: str  # ISO 11649, "RF…"
    bic: str = ""
    purpose: str = ""  # ISO 20022 external purpose code, 4 letters, optional
    note: str = ""  # shown to the payer, not sent to the creditor (70 chars)


def payload(transfer: Transfer) -> str:
    """The text the QR code holds; ValueError naming the field when one cannot
    be carried (the creditor's bank details are checked, not trusted)."""
    iban = iban_check.validate(transfer.iban)  # raises ValueError subclasses
    if not iban[:2].isalpha():
        raise ValueError("IBAN")
    bic = bic_check.validate(transfer.bic) if transfer.bic else ""
    reference = iso11649.validate(transfer.reference)
    amount = transfer.amount.quantize(Decimal("0.01"))
    if not Decimal("0.01") <= amount <= MAX_AMOUNT:
        raise ValueError(f"amount {amount} is outside 0.01 to {MAX_AMOUNT}")
    name = " ".join(transfer.name.split())[:NAME_CHARS]
    if not name:
        raise ValueError("the creditor's name is empty")
    purpose = transfer.purpose.upper()
    if purpose and not (len(purpose) == 4 and purpose.isalpha()):
        raise ValueError(f"purpose {transfer.purpose!r} is not a 4-letter code")
    lines = [
        "BCD",
        "002",
        "1",  # UTF-8
        "SCT",
        bic,
        name,
        iban,
        f"EUR{amount}",
        purpose,
        reference,  # structured remittance, so the unstructured line stays empty
        "",
        " ".join(transfer.note.split())[:70],
    ]
    text = "\n".join(lines).rstrip("\n")
    if len(text.encode()) > MAX_BYTES:
        raise ValueError(f"payload over {MAX_BYTES} bytes")
    return text


def _qr(text: str):
    import segno

    # EPC069-12: error correction level M, never raised to another level.
    return segno.make_qr(text, error="m", boost_error=False, encoding="utf-8")


def png(text: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    _qr(text).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
