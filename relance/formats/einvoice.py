"""Electronic invoices: Factur-X and ZUGFeRD PDFs (every profile, MINIMUM to
EXTENDED, and ZUGFeRD 1.0), UN/CEFACT CII XML and OASIS UBL XML. XML is parsed
with defusedxml (entity expansion and external entities refused) and read by
local element names, so that the namespace versions of each standard and the
paths of each profile are all understood."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from relance.core.identifiers import checked_siren, siren_from_vat
from relance.core.terms import due_from_terms

from . import pdf_safety
from . import xml_tree as xml
from .errors import ReadResult, RowError
from .invoices_csv import CENT, InvoiceRecord
from .limits import DEFAULT, Limits, check_size, refusing_over_limits
from .pdf_text import pdf_text

CREDIT_TYPES = {"381", "261", "262", "396", "532"}
# Names under which Factur-X (factur-x.xml), ZUGFeRD 2 (zugferd-invoice.xml),
# ZUGFeRD 1 (ZUGFeRD-invoice.xml) and XRechnung (xrechnung.xml) embed their XML.
EMBEDDED = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")


UNREADABLE_PDF = "not a readable PDF file: it is damaged or is not a PDF"


def _text(node: Element | None, *path: str) -> str:
    """Element text with its inner whitespace collapsed (CII pretty-prints)."""
    return " ".join(xml.text(node, *path).split())


def _amount(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{what} is not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"{what} is not a number: {text!r}")
    return value.quantize(CENT)


def _cii_date(node: Element | None) -> date | None:
    """udt:DateTimeString format="102" (yyyymmdd), the only format in use."""
    if node is None:
        return None
    text = _text(node, "DateTimeString") or " ".join((node.text or "").split())
    digits = re.sub(r"\D", "", text)[:8]
    if len(digits) != 8:
        raise ValueError(f"not a date: {text!r}")
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise ValueError(f"not a date: {text!r}") from None


def _iso_date(text: str, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{what} is not a date: {text!r}") from None


def _siren(
    scheme_ids: list[tuple[str, str]], vat: str, country: str
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """SIREN from a legal registration (ISO 6523 scheme 0002, a SIRET under
    0009, nine digits with no scheme for a buyer in France), else from a French
    VAT number; and the French identifiers given that are not valid, to flag.
    Nine digits with no scheme from a buyer elsewhere are their own country's
    registration (a Norwegian organisation number), not a SIREN."""
    french = country in ("", "FR")
    for scheme, value in scheme_ids:
        digits = re.sub(r"\s", "", value)
        if not digits.isdigit():
            continue
        if scheme == "0002" or (scheme == "" and french and len(digits) == 9):
            field = "SIREN"
        elif scheme == "0009" and len(digits) == 14:
            field, digits = "SIRET", digits[:9]
        else:
            continue
        siren = checked_siren(digits)
        return (siren, ()) if siren else ("", ((field, value),))
    in_vat = siren_from_vat(vat) if vat else None
    if in_vat is None:
        return "", ()
    siren = checked_siren(in_vat)
    return (siren, ()) if siren else ("", (("VAT number", vat),))


def _total_and_paid(
    totals: Element | None, number: str, total_tag: str, due_tag: str, paid_tag: str
) -> tuple[Decimal, Decimal]:
    """The invoice total and what was already paid on it: the prepaid amount,
    else the difference between the total and the amount still due."""
    total_text, due_text = _text(totals, total_tag), _text(totals, due_tag)
    if not total_text and not due_text:
        raise ValueError(f"{number}: no {total_tag} nor {due_tag}")
    total = _amount(total_text or due_text, total_tag)
    prepaid = _text(totals, paid_tag)
    if prepaid:
        return total, _amount(prepaid, paid_tag)
    if total_text and due_text:
        return total, max(total - _amount(due_text, due_tag), Decimal("0"))
    return total, Decimal("0")


def _due(
    issued: date,
    due: date | None,
    terms: str,
    default_days: int,
    notes: list[str],
) -> date:
    if due is not None:
        return due
    from_terms = due_from_terms(terms, issued) if terms else None
    if from_terms is not None:
        notes.append(f"due date from the payment terms {terms!r}")
        return from_terms
    if terms:
        notes.append(
            f"payment terms {terms[:80]!r} give no due date: the default of "
            f"{default_days} days applied"
        )
    else:
        notes.append(
            f"no due date nor terms: the default of {default_days} days applied"
        )
    return issued + timedelta(days=default_days)


def cii_invoice(root: Element, default_days: int) -> tuple[InvoiceRecord, list[str]]:
    """One CII invoice (Factur-X, ZUGFeRD 2 or 1): the record and notes on how
    its due date was found."""
    doc = xml.first(root, "ExchangedDocument|HeaderExchangedDocument")
    trade = xml.first(
        root, "SupplyChainTradeTransaction|SpecifiedSupplyChainTradeTransaction"
    )
    if doc is None or trade is None:
        raise ValueError(
            "not a CII invoice (no ExchangedDocument or trade transaction)"
        )
    number = _text(doc, "ID")
    if not number:
        raise ValueError("invoice without a number (ExchangedDocument/ID)")
    kind = _text(doc, "TypeCode")
    if kind in CREDIT_TYPES:
        raise ValueError(f"{number} is a credit note (type {kind}), not an invoice")
    issued = _cii_date(xml.first(doc, "IssueDateTime"))
    if issued is None:
        raise ValueError(f"{number}: no issue date")
    agreement = xml.first(
        trade, "ApplicableHeaderTradeAgreement|ApplicableSupplyChainTradeAgreement"
    )
    settlement = xml.first(
        trade, "ApplicableHeaderTradeSettlement|ApplicableSupplyChainTradeSettlement"
    )
    buyer = xml.first(agreement, "BuyerTradeParty")
    if buyer is None or settlement is None:
        raise ValueError(f"{number}: no buyer or no settlement")
    totals = xml.first(
        settlement,
        "SpecifiedTradeSettlementHeaderMonetarySummation"
        "|SpecifiedTradeSettlementMonetarySummation",
    )
    currency = _text(settlement, "InvoiceCurrencyCode") or "EUR"
    total, paid = _total_and_paid(
        totals, number, "GrandTotalAmount", "DuePayableAmount", "TotalPrepaidAmount"
    )
    basis = _text(totals, "TaxBasisTotalAmount")
    tax_nodes = list(xml.children(totals, "TaxTotalAmount"))
    tax_node = next(
        (t for t in tax_nodes if t.get("currencyID", currency) == currency),
        tax_nodes[0] if tax_nodes else None,
    )
    terms_nodes = list(xml.children(settlement, "SpecifiedTradePaymentTerms"))
    dues = [
        d
        for t in terms_nodes
        if (d := _cii_date(xml.first(t, "DueDateDateTime"))) is not None
    ]
    terms = " ".join(_text(t, "Description") for t in terms_nodes).strip()
    notes: list[str] = []
    due = _due(issued, min(dues) if dues else None, terms, default_days, notes)
    vat = next(
        (
            _text(r, "ID")
            for r in xml.children(buyer, "SpecifiedTaxRegistration")
            if xml.first(r, "ID") is not None
            and xml.first(r, "ID").get("schemeID", "VA") == "VA"
        ),
        "",
    )
    legal = xml.first(buyer, "SpecifiedLegalOrganization")
    ids = [
        (e.get("schemeID", ""), (e.text or "").strip())
        for e in xml.children(legal, "ID")
    ]
    emails = [
        _text(u, "URIID")
        for u in [
            *xml.children(buyer, "URIUniversalCommunication"),
            *(
                e
                for c in xml.children(buyer, "DefinedTradeContact")
                for e in xml.children(c, "EmailURIUniversalCommunication")
            ),
        ]
        if xml.first(u, "URIID") is not None
        and xml.first(u, "URIID").get("schemeID", "EM") == "EM"
    ]
    name = _text(buyer, "Name") or _text(legal, "TradingBusinessName")
    country = _text(buyer, "PostalTradeAddress", "CountryID").upper()
    siren, dropped = _siren(ids, vat, country)
    ref = _text(buyer, "ID") or siren or vat or name.upper()
    if not ref:
        raise ValueError(f"{number}: the buyer has no identifier nor name")
    mentions = [_text(n, "Content") for n in xml.descendants(doc, "IncludedNote")] + [
        terms
    ]
    return (
        _record(
            number=number,
            ref=ref,
            name=name or ref,
            emails=emails,
            issued=issued,
            due=due,
            total=total,
            currency=currency,
            basis=basis,
            tax=(tax_node.text or "").strip() if tax_node is not None else "",
            paid=paid,
            siren=siren,
            vat=vat,
            dropped=dropped,
            text="\n".join(m for m in mentions if m),
        ),
        notes,
    )


def ubl_invoice(root: Element, default_days: int) -> tuple[InvoiceRecord, list[str]]:
    if xml.local(root.tag) == "CreditNote":
        raise ValueError(
            f"{_text(root, 'ID') or 'this document'} is a credit note, not an invoice"
        )
    number = _text(root, "ID")
    if not number:
        raise ValueError("invoice without a number (cbc:ID)")
    kind = _text(root, "InvoiceTypeCode")
    if kind in CREDIT_TYPES:
        raise ValueError(f"{number} is a credit note (type {kind}), not an invoice")
    issued = _iso_date(_text(root, "IssueDate"), "IssueDate")
    if issued is None:
        raise ValueError(f"{number}: no IssueDate")
    due = _iso_date(_text(root, "DueDate"), "DueDate") or _iso_date(
        _text(root, "PaymentMeans", "PaymentDueDate"), "PaymentDueDate"
    )
    terms = " ".join(_text(t, "Note") for t in xml.children(root, "PaymentTerms"))
    notes: list[str] = []
    due = _due(issued, due, terms.strip(), default_days, notes)
    party = xml.first(root, "AccountingCustomerParty", "Party")
    if party is None:
        raise ValueError(f"{number}: no AccountingCustomerParty")
    totals = xml.first(root, "LegalMonetaryTotal")
    currency = _text(root, "DocumentCurrencyCode") or "EUR"
    total, paid = _total_and_paid(
        totals, number, "TaxInclusiveAmount", "PayableAmount", "PrepaidAmount"
    )
    vat = next(
        (
            _text(s, "CompanyID")
            for s in xml.children(party, "PartyTaxScheme")
            if _text(s, "CompanyID")
        ),
        "",
    )
    legal = xml.first(party, "PartyLegalEntity")
    company = xml.first(legal, "CompanyID")
    ids = (
        [(company.get("schemeID", ""), (company.text or "").strip())]
        if company is not None
        else []
    )
    endpoint = xml.first(party, "EndpointID")
    if endpoint is not None:
        ids.append((endpoint.get("schemeID", "x"), (endpoint.text or "").strip()))
    name = _text(party, "PartyName", "Name") or _text(legal, "RegistrationName")
    country = _text(party, "PostalAddress", "Country", "IdentificationCode").upper()
    siren, dropped = _siren(ids, vat, country)
    ref = _text(party, "PartyIdentification", "ID") or siren or vat or name.upper()
    if not ref:
        raise ValueError(f"{number}: the buyer has no identifier nor name")
    email = _text(party, "Contact", "ElectronicMail")
    tax_total = xml.first(root, "TaxTotal")
    return (
        _record(
            number=number,
            ref=ref,
            name=name or ref,
            emails=[email] if email else [],
            issued=issued,
            due=due,
            total=total,
            currency=currency,
            basis=_text(totals, "TaxExclusiveAmount"),
            tax=_text(tax_total, "TaxAmount"),
            paid=paid,
            siren=siren,
            vat=vat,
            dropped=dropped,
            text="\n".join(
                [_text(n) for n in xml.children(root, "Note")] + [terms]
            ).strip(),
        ),
        notes,
    )


def _record(
    *,
    number,
    ref,
    name,
    emails,
    issued,
    due,
    total,
    currency,
    basis,
    tax,
    paid,
    siren,
    vat,
    dropped,
    text,
) -> InvoiceRecord:
    if due < issued:
        raise ValueError(f"{number}: due date {due} is before the issue date {issued}")
    if total <= 0:
        raise ValueError(f"{number}: total must be positive, got {total}")
    if not Decimal("0") <= paid <= total:
        raise ValueError(f"{number}: prepaid {paid} must be between 0 and {total}")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(f"{number}: currency must be a three-letter code")
    return InvoiceRecord(
        row=1,
        number=number[:64],
        customer_ref=ref[:64],
        customer_name=name[:200],
        customer_emails=tuple(e for e in emails if "@" in e),
        issue_date=issued,
        due_date=due,
        total=total,
        currency=currency,
        total_excl_tax=_amount(basis, "tax basis") if basis else None,
        tax=_amount(tax, "tax total") if tax else None,
        paid=paid,
        siren=siren,
        vat_number=vat[:20],
        document_text=text,
        dropped_ids=dropped,
    )


def xml_flavour(root: Element) -> str:
    name = xml.local(root.tag)
    if name in ("CrossIndustryInvoice", "CrossIndustryDocument"):
        return "cii"
    if name in ("Invoice", "CreditNote") and "ubl" in root.tag.lower():
        return "ubl"
    return ""


@refusing_over_limits("XML")
def read_einvoice_xml(
    data: bytes, default_days: int, limits: Limits = DEFAULT
) -> ReadResult[InvoiceRecord]:
    """A CII or UBL XML file: one invoice."""
    check_size(data, limits)
    try:
        root = xml.parse(data, limits)
        flavour = xml_flavour(root)
        if not flavour:
            raise ValueError(
                f"XML root {xml.local(root.tag)!r} is neither a CII nor a UBL invoice"
            )
        reader = cii_invoice if flavour == "cii" else ubl_invoice
        record, notes = reader(root, default_days)
    except ValueError as exc:
        return ReadResult([], [RowError(0, str(exc))], {"format": "XML"})
    details = {"format": flavour.upper()}
    if notes:
        details["due_dates"] = "; ".join(notes)
    return ReadResult([record], [], details)


def embedded_xml(pdf: bytes) -> tuple[str, bytes] | None:
    """The invoice XML attached to a Factur-X / ZUGFeRD PDF, if any."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    attachments = reader.attachments
    for name in sorted(attachments, key=lambda n: n.lower() not in EMBEDDED):
        if name.lower().endswith(".xml") and attachments[name]:
            return name, attachments[name][0]
    return None


@refusing_over_limits("Factur-X")
def read_facturx(
    pdf: bytes, default_days: int, limits: Limits = DEFAULT
) -> ReadResult[InvoiceRecord]:
    """A Factur-X or ZUGFeRD PDF: the invoice from its XML, the PDF kept as its
    document, and the legal mentions looked for in the XML notes and the PDF
    text together."""
    details = {"format": "Factur-X"}
    check_size(pdf, limits)
    try:
        found = embedded_xml(pdf)
    except Exception:  # pypdf raises many types, its messages its own
        return ReadResult([], [RowError(0, UNREADABLE_PDF)], details)
    if found is None:
        return ReadResult(
            [],
            [RowError(0, "a PDF with no Factur-X or ZUGFeRD invoice XML inside")],
            details,
        )
    if reason := pdf_safety.danger(pdf):  # it would be kept and sent on
        return ReadResult([], [RowError(0, reason)], details)
    name, embedded = found
    result = read_einvoice_xml(embedded, default_days, limits)
    result.details = {**result.details, **details, "embedded": name}
    if result.records:
        text, _ = pdf_text(pdf)
        result.records = [_with_pdf(r, pdf, text) for r in result.records]
    return result


def _with_pdf(record: InvoiceRecord, pdf: bytes, text: str | None) -> InvoiceRecord:
    combined = "\n".join(x for x in (record.document_text, text) if x)
    return record._replace(document=pdf, document_text=combined)
