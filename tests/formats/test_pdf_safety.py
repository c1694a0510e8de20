"""Invoice PDFs and proofs that would run something on the reader's machine are
refused; a plain PDF and a Factur-X with its invoice XML pass."""

import io

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from relance.formats import pdf_safety
from relance.formats.einvoice import read_facturx
from relance.formats.pdf_safety import danger

from .cii_samples import cii
from .test_einvoice import facturx, pdf_page


def rewrite(change, pdf: bytes | None = None) -> bytes:
    """A one-page PDF passed through `change(writer)`."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf or pdf_page("Facture F-1")))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def action(kind: str, **entries) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject(kind),
            **{NameObject(f"/{k}"): TextStringObject(v) for k, v in entries.items()},
        }
    )


def open_action(kind: str, **entries):
    def change(writer):
        writer._root_object[NameObject("/OpenAction")] = action(kind, **entries)

    return change


def link_annotation(act: DictionaryObject):
    def change(writer):
        annot = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
                NameObject("/A"): act,
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject(
            [writer._add_object(annot)]
        )

    return change


def test_a_plain_pdf_is_safe():
    assert danger(pdf_page("Facture F-1\nTotal 1 200,00 €")) is None


def test_a_facturx_with_its_invoice_xml_is_safe():
    assert danger(facturx(cii("en16931"))) is None


def test_javascript_in_the_names_tree_is_refused():
    def change(writer):
        script = writer._add_object(action("/JavaScript", JS="app.alert('x');"))
        tree = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("run"), script])}
        )
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)}
        )

    assert danger(rewrite(change)) == pdf_safety.JAVASCRIPT


def test_an_open_action_that_only_shows_the_first_page_is_fine():
    def change(writer):
        writer._root_object[NameObject("/OpenAction")] = ArrayObject(
            [writer.pages[0].indirect_reference, NameObject("/Fit")]
        )

    assert danger(rewrite(change)) is None


@pytest.mark.parametrize(
    "change, reason",
    [
        (open_action("/JavaScript", JS="app.alert(1)"), pdf_safety.JAVASCRIPT),
        (open_action("/Launch", F="cmd.exe"), pdf_safety.ACTION),
        (open_action("/SubmitForm", F="https://evil.example/"), pdf_safety.ACTION),
        (link_annotation(action("/Launch", F="calc.exe")), pdf_safety.ACTION),
        (
            link_annotation(action("/JavaScript", JS="this.print()")),
            pdf_safety.JAVASCRIPT,
        ),
    ],
)
def test_actions_that_run_something_are_refused(change, reason):
    assert danger(rewrite(change)) == reason


def test_additional_actions_on_a_page_are_found():
    def change(writer):
        writer.pages[0][NameObject("/AA")] = DictionaryObject(
            {NameObject("/O"): action("/JavaScript", JS="app.alert(2)")}
        )

    assert danger(rewrite(change)) == pdf_safety.JAVASCRIPT


def test_a_hex_escaped_name_is_still_javascript():
    pdf = rewrite(open_action("/JavaScript", JS="app.alert(3)"))
    escaped = pdf.replace(b"/JavaScript", b"/J#61vaScript")
    assert escaped != pdf
    assert danger(escaped) == pdf_safety.JAVASCRIPT


def test_a_link_to_a_web_page_is_fine():
    pdf = rewrite(link_annotation(action("/URI", URI="https://acme.example/pay")))
    assert danger(pdf) is None


def test_an_attached_file_is_refused():
    pdf = rewrite(lambda w: w.add_attachment("payload.exe", b"MZ..."))
    assert danger(pdf) == pdf_safety.ATTACHMENT


def test_a_facturx_carrying_a_second_file_is_refused():
    pdf = rewrite(
        lambda w: w.add_attachment("readme.txt", b"hello"), facturx(cii("en16931"))
    )
    assert danger(pdf) == pdf_safety.ATTACHMENT


def test_a_file_named_like_the_invoice_xml_on_a_plain_pdf_passes_only_alone():
    pdf = rewrite(lambda w: w.add_attachment("factur-x.xml", b"<x/>"))
    assert danger(pdf) is None


@pytest.mark.parametrize(
    "data",
    [b"", b"GIF89a", b"%PDF-1.7\n garbage", b"\x89PNG\r\n\x1a\n"],
)
def test_what_is_not_a_readable_pdf_is_refused(data):
    assert danger(data) in (pdf_safety.NOT_PDF, pdf_safety.UNREADABLE)


def test_a_facturx_with_javascript_is_not_imported():
    pdf = rewrite(open_action("/JavaScript", JS="app.alert(1)"), facturx(cii("basic")))
    result = read_facturx(pdf, default_days=30)
    assert result.records == []
    assert [e.reason for e in result.errors] == [pdf_safety.JAVASCRIPT]


@pytest.mark.django_db
def test_import_documents_refuses_an_invoice_pdf_with_javascript(acme):
    """GIVEN an invoice WHEN its PDF runs JavaScript THEN it is not kept, and
    the reason is given in French; a plain PDF is kept."""
    from relance.ledger.services import attach_documents
    from relance.orgs.models import org_today
    from tests.factories import make_invoice

    invoice = make_invoice(acme, "F-9", org_today(acme))
    bad = rewrite(open_action("/JavaScript", JS="app.alert(1)"))
    result = attach_documents(acme, [("F-9.pdf", bad)], actor="alice")
    assert result["attached"] == []
    assert result["rejected"] == [
        {"file": "F-9.pdf", "reason": "le PDF contient du JavaScript"}
    ]
    invoice.refresh_from_db()
    assert not invoice.document
    result = attach_documents(acme, [("F-9.pdf", pdf_page("F-9"))], actor="alice")
    assert result["attached"] == ["F-9"]
