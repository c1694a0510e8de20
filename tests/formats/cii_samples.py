"""CII invoices of each Factur-X profile, valid against the profile's XSD (the
tests check that with the factur-x library), written for the tests."""

from __future__ import annotations

PROFILES = {
    "minimum": "urn:factur-x.eu:1p0:minimum",
    "basicwl": "urn:factur-x.eu:1p0:basicwl",
    "basic": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "en16931": "urn:cen.eu:en16931:2017",
    "extended": "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
}
NOTE = (
    "Pénalités de retard : trois fois le taux d'intérêt légal. Indemnité forfaitaire "
    "pour frais de recouvrement : 40 euros."
)


def cii(
    profile: str,
    *,
    number: str = "FA-2026-0042",
    issued: str = "20261002",
    due: str | None = "20261101",
    terms: str | None = None,
    prepaid: str | None = None,
    type_code: str = "380",
    note: str | None = NOTE,
) -> bytes:
    rich = profile != "minimum"
    lines = profile in ("basic", "en16931", "extended")
    note_xml = (
        f"<ram:IncludedNote><ram:Content>{note}</ram:Content>"
        "<ram:SubjectCode>PMT</ram:SubjectCode></ram:IncludedNote>"
        if note and rich
        else ""
    )
    line_xml = (
        """
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Maintenance annuelle</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>1000.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">1</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>1000.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>"""
        if lines
        else ""
    )
    buyer_extra = (
        "<ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>"
        '<ram:URIUniversalCommunication><ram:URIID schemeID="EM">compta@boulangerie-martin.fr</ram:URIID></ram:URIUniversalCommunication>'
        '<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR39542065479</ram:ID></ram:SpecifiedTaxRegistration>'
        if rich
        else ""
    )
    buyer_id = "<ram:ID>CLI-0042</ram:ID>" if rich else ""
    terms_xml = ""
    if rich and (due or terms):
        inner = f"<ram:Description>{terms}</ram:Description>" if terms else ""
        if due:
            inner += (
                "<ram:DueDateDateTime>"
                f'<udt:DateTimeString format="102">{due}</udt:DateTimeString>'
                "</ram:DueDateDateTime>"
            )
        terms_xml = (
            f"<ram:SpecifiedTradePaymentTerms>{inner}</ram:SpecifiedTradePaymentTerms>"
        )
    tax_xml = (
        "<ram:ApplicableTradeTax><ram:CalculatedAmount>200.00</ram:CalculatedAmount>"
        "<ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>1000.00</ram:BasisAmount>"
        "<ram:CategoryCode>S</ram:CategoryCode>"
        "<ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:ApplicableTradeTax>"
        if rich
        else ""
    )
    line_total = "<ram:LineTotalAmount>1000.00</ram:LineTotalAmount>" if rich else ""
    prepaid_xml = (
        f"<ram:TotalPrepaidAmount>{prepaid}</ram:TotalPrepaidAmount>" if prepaid else ""
    )
    payable = f"{1200 - float(prepaid or 0):.2f}"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{PROFILES[profile]}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{number}</ram:ID>
    <ram:TypeCode>{type_code}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{issued}</udt:DateTimeString></ram:IssueDateTime>
    {note_xml}
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>{line_xml}
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>Atelier Verdier SAS</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">732829320</ram:ID></ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR44732829320</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        {buyer_id}
        <ram:Name>Boulangerie Martin SARL</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">542065479</ram:ID></ram:SpecifiedLegalOrganization>
        {buyer_extra}
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      {tax_xml}
      {terms_xml}
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        {line_total}
        <ram:TaxBasisTotalAmount>1000.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">200.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>1200.00</ram:GrandTotalAmount>
        {prepaid_xml}
        <ram:DuePayableAmount>{payable}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
""".encode()
