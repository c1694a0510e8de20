"""Lifecycle messages written as a platform would, for tests."""

from xml.sax.saxutils import escape


def status_file(*statuses, seller="732829320", message="PA-1"):
    """One CDAR message; each status is (number, code, issued yyyymmdd,
    reason, amount) with the last ones optional."""
    refs = []
    for number, code, issued, *rest in statuses:
        reason = rest[0] if rest else ""
        amount = rest[1] if len(rest) > 1 else None
        block = ""
        if reason or amount:
            block = "<ram:SpecifiedDocumentStatus>"
            if reason:
                block += f"<ram:Reason>{escape(reason)}</ram:Reason>"
            if amount:
                block += (
                    "<ram:SpecifiedDocumentCharacteristic><ram:TypeCode>MEN</ram:TypeCode>"
                    f'<ram:ValueAmount currencyID="EUR">{amount}</ram:ValueAmount>'
                    "</ram:SpecifiedDocumentCharacteristic>"
                )
            block += "</ram:SpecifiedDocumentStatus>"
        refs.append(
            "<ram:ReferenceReferencedDocument>"
            f"<ram:IssuerAssignedID>{escape(number)}</ram:IssuerAssignedID>"
            "<ram:FormattedIssueDateTime>"
            f'<qdt:DateTimeString format="102">{issued}</qdt:DateTimeString>'
            "</ram:FormattedIssueDateTime>"
            f"<ram:ProcessConditionCode>{code}</ram:ProcessConditionCode>"
            "<ram:IssuerTradeParty>"
            f'<ram:GlobalID schemeID="0002">{seller}</ram:GlobalID>'
            f"</ram:IssuerTradeParty>{block}</ram:ReferenceReferencedDocument>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        "<rsm:CrossDomainAcknowledgementAndResponse"
        ' xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"'
        ' xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"'
        ' xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"'
        ' xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">'
        f"<rsm:ExchangedDocument><ram:ID>{message}</ram:ID>"
        "<ram:IssueDateTime>"
        '<udt:DateTimeString format="204">20261120090000</udt:DateTimeString>'
        "</ram:IssueDateTime></rsm:ExchangedDocument>"
        f"<rsm:AcknowledgementDocument>{''.join(refs)}</rsm:AcknowledgementDocument>"
        "</rsm:CrossDomainAcknowledgementAndResponse>"
    ).encode()
