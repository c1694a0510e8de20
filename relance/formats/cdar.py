"""Invoice lifecycle statuses of the French e-invoicing reform, as the approved
platforms exchange them: UN/CEFACT Cross Domain Acknowledgement and Response
(CDAR, D22B) profiled by the administration's external specifications (v3.1,
"cycle de vie", guideline urn.cpro.gouv.fr:1p0:CDV:invoice). A file holds one
message or several (a wrapper around them), and a message one status or several
(MultipleReferencesIndicator); each status is a record. The writer makes the
"encaissée" (212) messages a seller hands to its platform."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from . import xml_tree as xml
from .errors import ReadResult, RowError
from .limits import DEFAULT, Limits, check_size, refusing_over_limits, strip_controls

# The lifecycle codes (ProcessConditionCode) and their names in the specification.
STATUSES = {
    "200": "Déposée",
    "201": "Émise par la plateforme",
    "202": "Reçue par la plateforme",
    "203": "Mise à disposition",
    "204": "Prise en charge",
    "205": "Approuvée",
    "206": "Approuvée partiellement",
    "207": "En litige",
    "208": "Suspendue",
    "209": "Complétée",
    "210": "Refusée",
    "211": "Paiement transmis",
    "212": "Encaissée",
    "213": "Rejetée",
    "214": "Visée",
    "220": "Annulée",
    "221": "Erreur de routage",
}
PAID = "212"
# Amount paid, in a status's SpecifiedDocumentCharacteristic (MEN: montant encaissé).
AMOUNT_PAID = "MEN"
SIREN_SCHEME = "0002"
GUIDELINE = "urn.cpro.gouv.fr:1p0:CDV:invoice"
MAX_TEXT = 500

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:"
    "CrossDomainAcknowledgementAndResponse:100",
    "ram": "urn:un:unece:uncefact:data:standard:"
    "ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}


@dataclass(frozen=True, slots=True)
class Status:
    """One invoice's status as a platform told it."""

    message_id: str  # the message's ID: the platform's reference
    issued_at: datetime | None  # when the status was issued (UTC)
    invoice_number: str
    invoice_date: date | None
    seller_id: str  # the seller's SIREN, as the message names it
    code: str
    reason_code: str = ""
    reason: str = ""
    amount: Decimal | None = None
    currency: str = ""


@dataclass(frozen=True, slots=True)
class Paid:
    """An invoice the seller was paid, to tell its platform (212, encaissée)."""

    invoice_number: str
    invoice_date: date
    amount: Decimal
    currency: str
    paid_on: date


@refusing_over_limits("CDAR")
def read_cdar(data: bytes, limits: Limits = DEFAULT) -> ReadResult[Status]:
    """Every status in the file, each numbered in the order it comes."""
    check_size(data, limits)
    try:
        root = xml.parse(data, limits)
    except ValueError as exc:
        return ReadResult([], [RowError(0, str(exc))], {"format": "CDAR"})
    messages = (
        [root]
        if xml.local(root.tag) == "CrossDomainAcknowledgementAndResponse"
        else xml.descendants(root, "CrossDomainAcknowledgementAndResponse")
    )
    if not messages:
        reason = f"XML root {xml.local(root.tag)!r} holds no CDAR lifecycle message"
        return ReadResult([], [RowError(0, reason[:MAX_TEXT])], {"format": "CDAR"})
    records, errors, row = [], [], 0
    for message in messages:
        head = xml.first(message, "ExchangedDocument")
        message_id = _text(head, "ID")
        issued_at = _instant(xml.text(head, "IssueDateTime", "DateTimeString"))
        acknowledgement = xml.first(message, "AcknowledgementDocument")
        for ref in xml.children(acknowledgement, "ReferenceReferencedDocument"):
            row += 1
            try:
                records.append(_status(ref, head, message_id, issued_at))
            except ValueError as exc:
                errors.append(RowError(row, str(exc)[:MAX_TEXT]))
    if row == 0:
        errors.append(RowError(0, "The CDAR message refers to no invoice"))
    return ReadResult(records, errors, {"format": "CDAR"})


def _status(ref: Element, head, message_id: str, issued_at) -> Status:
    number = _text(ref, "IssuerAssignedID")
    if not number:
        raise ValueError("Status without an invoice number (IssuerAssignedID)")
    code = _text(ref, "ProcessConditionCode")
    if code not in STATUSES:
        raise ValueError(f"Invoice {number}: unknown lifecycle status {code!r}")
    status = xml.first(ref, "SpecifiedDocumentStatus")
    amount, currency = None, ""
    for characteristic in xml.descendants(status, "SpecifiedDocumentCharacteristic"):
        if _text(characteristic, "TypeCode") == AMOUNT_PAID:
            found = xml.first(characteristic, "ValueAmount")
            amount = _amount(number, found)
            currency = (found.get("currencyID") or "")[:3] if found is not None else ""
    return Status(
        message_id=message_id,
        issued_at=issued_at,
        invoice_number=number,
        invoice_date=_day(xml.text(ref, "FormattedIssueDateTime", "DateTimeString")),
        seller_id=_seller(ref, head),
        code=code,
        reason_code=_text(status, "ReasonCode"),
        reason=_text(status, "Reason"),
        amount=amount,
        currency=currency,
    )


def _seller(ref: Element, head) -> str:
    """The invoice's issuer, else the message's party in the seller's role."""
    own = _text(ref, "IssuerTradeParty", "GlobalID")
    if own:
        return own
    for party in list(xml.children(head, "IssuerTradeParty")) + list(
        xml.children(head, "RecipientTradeParty")
    ):
        if _text(party, "RoleCode") == "SE":
            return _text(party, "GlobalID")
    return ""


def _text(node, *path: str) -> str:
    return strip_controls(xml.text(node, *path))[:MAX_TEXT]


def _amount(number: str, node) -> Decimal | None:
    raw = (node.text or "").strip() if node is not None else ""
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(
            f"Invoice {number}: amount {raw[:40]!r} is not a number"
        ) from None
    if not value.is_finite() or value < 0 or value.adjusted() > 12:
        raise ValueError(f"Invoice {number}: amount {raw[:40]!r} is out of range")
    return value.quantize(Decimal("0.01"))


def _day(raw: str) -> date | None:
    """format 102 (yyyymmdd); None when missing or not a date."""
    try:
        return datetime.strptime(raw[:8], "%Y%m%d").date() if len(raw) >= 8 else None
    except ValueError:
        return None


def _instant(raw: str) -> datetime | None:
    """format 204 (yyyymmddhhmmss, UTC), or 102 for a day; None otherwise."""
    for size, pattern in ((14, "%Y%m%d%H%M%S"), (8, "%Y%m%d")):
        if len(raw) >= size:
            try:
                return datetime.strptime(raw[:size], pattern).replace(tzinfo=UTC)
            except ValueError:
                continue
    return None


def write_paid(
    paid: Iterable[Paid],
    *,
    message_id: str,
    seller_siren: str,
    seller_name: str,
    at: datetime,
) -> bytes:
    """One CDAR message telling the platform these invoices were paid (212)."""
    paid = list(paid)
    for prefix, uri in NS.items():
        register_namespace(prefix, uri)
    root = Element(_q("rsm", "CrossDomainAcknowledgementAndResponse"))
    context = SubElement(root, _q("rsm", "ExchangedDocumentContext"))
    business = SubElement(
        context, _q("ram", "BusinessProcessSpecifiedDocumentContextParameter")
    )
    SubElement(business, _q("ram", "ID")).text = "REGULATED"
    guideline = SubElement(
        context, _q("ram", "GuidelineSpecifiedDocumentContextParameter")
    )
    SubElement(guideline, _q("ram", "ID")).text = GUIDELINE
    head = SubElement(root, _q("rsm", "ExchangedDocument"))
    SubElement(head, _q("ram", "ID")).text = message_id
    SubElement(head, _q("ram", "Name")).text = STATUSES[PAID]
    _when(head, "IssueDateTime", at)
    sender = SubElement(head, _q("ram", "SenderTradeParty"))
    SubElement(sender, _q("ram", "RoleCode")).text = "SE"
    issuer = SubElement(head, _q("ram", "IssuerTradeParty"))
    _siren(issuer, seller_siren)
    SubElement(issuer, _q("ram", "Name")).text = seller_name
    SubElement(issuer, _q("ram", "RoleCode")).text = "SE"
    ack = SubElement(root, _q("rsm", "AcknowledgementDocument"))
    multiple = SubElement(ack, _q("ram", "MultipleReferencesIndicator"))
    SubElement(multiple, _q("udt", "Indicator")).text = str(len(paid) > 1).lower()
    SubElement(ack, _q("ram", "TypeCode")).text = "23"
    _when(ack, "IssueDateTime", at)
    for item in paid:
        ref = SubElement(ack, _q("ram", "ReferenceReferencedDocument"))
        SubElement(ref, _q("ram", "IssuerAssignedID")).text = item.invoice_number
        SubElement(ref, _q("ram", "TypeCode")).text = "380"
        issued = SubElement(ref, _q("ram", "FormattedIssueDateTime"))
        stamp = SubElement(issued, _q("qdt", "DateTimeString"), format="102")
        stamp.text = item.invoice_date.strftime("%Y%m%d")
        SubElement(ref, _q("ram", "ProcessConditionCode")).text = PAID
        SubElement(ref, _q("ram", "ProcessCondition")).text = STATUSES[PAID]
        _siren(SubElement(ref, _q("ram", "IssuerTradeParty")), seller_siren)
        status = SubElement(ref, _q("ram", "SpecifiedDocumentStatus"))
        characteristic = SubElement(
            status, _q("ram", "SpecifiedDocumentCharacteristic")
        )
        SubElement(characteristic, _q("ram", "TypeCode")).text = AMOUNT_PAID
        amount = SubElement(
            characteristic, _q("ram", "ValueAmount"), currencyID=item.currency
        )
        amount.text = f"{item.amount:.2f}"
        value_date = SubElement(characteristic, _q("ram", "ValueDateTime"))
        day = SubElement(value_date, _q("udt", "DateTimeString"), format="102")
        day.text = item.paid_on.strftime("%Y%m%d")
    return tostring(root, encoding="utf-8", xml_declaration=True)


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _when(parent: Element, name: str, at: datetime) -> None:
    node = SubElement(parent, _q("ram", name))
    stamp = SubElement(node, _q("udt", "DateTimeString"), format="204")
    stamp.text = at.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _siren(party: Element, siren: str) -> None:
    SubElement(party, _q("ram", "GlobalID"), schemeID=SIREN_SCHEME).text = siren
