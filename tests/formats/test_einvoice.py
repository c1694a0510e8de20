"""Factur-X PDFs made with the factur-x library, CII and UBL XML."""

import io
from datetime import date
from decimal import Decimal

import pytest
from facturx import generate_from_binary
from reportlab.pdfgen import canvas

from relance.formats.einvoice import read_einvoice_xml, read_facturx
from relance.formats.invoices import invoice_format, read_invoice_file

from .cii_samples import PROFILES, cii


def pdf_page(text: str) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    for n, line in enumerate(text.splitlines()):
        page.drawString(72, 760 - 14 * n, line)
    page.save()
    return out.getvalue()


def facturx(xml: bytes, text: str = "Facture FA-2026-0042") -> bytes:
    return generate_from_binary(pdf_page(text), xml, check_xsd=True)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_facturx_profile_reads_the_invoice(profile):
    pdf = facturx(cii(profile))
    assert invoice_format(pdf) == "pdf"
    result = read_facturx(pdf, default_days=30)
    assert result.errors == []
    [rec] = result.records
    assert rec.number == "FA-2026-0042"
    assert rec.issue_date == date(2026, 10, 2)
    assert rec.total == Decimal("1200.00")
    assert rec.total_excl_tax == Decimal("1000.00")
    assert rec.tax == Decimal("200.00")
    assert rec.currency == "EUR"
    assert rec.siren == "542065479"
    assert rec.customer_name == "Boulangerie Martin SARL"
    assert rec.document == pdf  # kept as the document attached to reminders
    if profile == "minimum":
        # MINIMUM carries no due date: the organisation's terms, and it says so
        assert rec.due_date == date(2026, 11, 1)
        assert "default of 30 days" in result.details["due_dates"]
        assert rec.customer_ref == "542065479"
    else:
        assert rec.due_date == date(2026, 11, 1)
        assert "due_dates" not in result.details
        assert rec.customer_ref == "CLI-0042"
        assert rec.vat_number == "FR39542065479"
        assert rec.customer_emails == ("compta@boulangerie-martin.fr",)
        assert "40 euros" in rec.document_text


def test_due_date_from_payment_terms_when_no_date():
    xml = cii("en16931", due=None, terms="Paiement à 45 jours fin de mois")
    [rec] = read_einvoice_xml(xml, default_days=30).records
    # 2 Oct + 45 days = 16 Nov, end of that month
    assert rec.due_date == date(2026, 11, 30)


def test_prepaid_amount_is_paid():
    [rec] = read_einvoice_xml(cii("basic", prepaid="200.00"), 30).records
    assert rec.paid == Decimal("200.00")


def test_credit_note_is_rejected_with_reason():
    result = read_einvoice_xml(cii("basic", type_code="381"), 30)
    assert result.records == []
    assert "credit note" in result.errors[0].reason


def test_pdf_without_invoice_xml_is_a_clear_error():
    result = read_facturx(pdf_page("Just a letter"), 30)
    assert result.records == []
    assert "no Factur-X" in result.errors[0].reason


def test_zugferd_1_namespaces_are_understood():
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
  <rsm:SpecifiedExchangedDocumentContext/>
  <rsm:HeaderExchangedDocument>
    <ram:ID>RE-1001</ram:ID><ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20260301</udt:DateTimeString></ram:IssueDateTime>
  </rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction>
    <ram:ApplicableSupplyChainTradeAgreement>
      <ram:BuyerTradeParty><ram:Name>Müller GmbH</ram:Name>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE123456789</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:BuyerTradeParty>
    </ram:ApplicableSupplyChainTradeAgreement>
    <ram:ApplicableSupplyChainTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradePaymentTerms><ram:Description>Zahlbar innerhalb 30 Tagen / net 30</ram:Description></ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementMonetarySummation>
        <ram:GrandTotalAmount currencyID="EUR">595.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount currencyID="EUR">595.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementMonetarySummation>
    </ram:ApplicableSupplyChainTradeSettlement>
  </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>""".encode()
    [rec] = read_einvoice_xml(xml, 30).records
    assert (rec.number, rec.total, rec.customer_ref) == (
        "RE-1001",
        Decimal("595.00"),
        "DE123456789",
    )
    assert rec.due_date == date(2026, 3, 31)


UBL = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ID>UBL-2026-77</cbc:ID>
  <cbc:IssueDate>2026-09-15</cbc:IssueDate>
  <cbc:DueDate>2026-10-15</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:Note>Indemnité forfaitaire pour frais de recouvrement : 40 EUR</cbc:Note>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingCustomerParty><cac:Party>
    <cbc:EndpointID schemeID="0009">54206547900017</cbc:EndpointID>
    <cac:PartyName><cbc:Name>Boulangerie Martin</cbc:Name></cac:PartyName>
    <cac:PartyTaxScheme><cbc:CompanyID>FR39542065479</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Boulangerie Martin SARL</cbc:RegistrationName></cac:PartyLegalEntity>
    <cac:Contact><cbc:ElectronicMail>compta@boulangerie-martin.fr</cbc:ElectronicMail></cac:Contact>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentTerms><cbc:Note>30 jours date de facture</cbc:Note></cac:PaymentTerms>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">50.00</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">250.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">250.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">300.00</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">300.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</Invoice>""".encode()


def test_ubl_invoice():
    assert invoice_format(UBL) == "xml"
    result = read_invoice_file(UBL)
    assert result.details["format"] == "UBL"
    [rec] = result.records
    assert rec.number == "UBL-2026-77"
    assert (rec.issue_date, rec.due_date) == (date(2026, 9, 15), date(2026, 10, 15))
    assert (rec.total, rec.total_excl_tax, rec.tax) == (
        Decimal("300.00"),
        Decimal("250.00"),
        Decimal("50.00"),
    )
    assert rec.siren == "542065479"  # from the SIRET endpoint
    assert rec.customer_name == "Boulangerie Martin"
    assert rec.customer_emails == ("compta@boulangerie-martin.fr",)
    assert "40 EUR" in rec.document_text


def test_ubl_credit_note_rejected():
    note = UBL.replace(b"<Invoice ", b"<CreditNote ").replace(
        b"</Invoice>", b"</CreditNote>"
    )
    result = read_invoice_file(note)
    assert result.records == [] and "credit note" in result.errors[0].reason


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><Invoice>&b;</Invoice>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice>&e;</Invoice>',
        b"<Invoice><cbc:ID>unclosed",
    ],
)
def test_malicious_or_broken_xml_is_refused_not_followed(payload):
    result = read_invoice_file(payload)
    assert result.records == []
    assert result.errors and result.errors[0].row == 0
    assert "root:" not in result.errors[0].reason  # /etc/passwd never read
