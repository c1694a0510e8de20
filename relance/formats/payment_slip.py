"""A one-page transfer slip: the SEPA transfer QR code and the details it
holds, written out for a payer without a banking app. It travels as a PDF so
that the message around it carries no image (images in short emails cost spam
points), and it is the page appended to a letter."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

QR_SIZE = 50 * mm


@dataclass(frozen=True, slots=True)
class Slip:
    title: str
    caption: str
    # (label, value) in the order shown: beneficiary, IBAN, BIC, amount, reference…
    fields: list[tuple[str, str]]
    qr_png: bytes


def slip_pdf(slip: Slip) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1)
    canvas.setTitle(slip.title)
    height = A4[1]
    top = height - 30 * mm
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(20 * mm, top, slip.title)
    canvas.drawImage(
        ImageReader(io.BytesIO(slip.qr_png)),
        20 * mm,
        top - 10 * mm - QR_SIZE,
        QR_SIZE,
        QR_SIZE,
    )
    y = top - 14 * mm
    for label, value in slip.fields:
        canvas.setFont("Helvetica", 9)
        canvas.drawString(80 * mm, y, label)
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawString(80 * mm, y - 4.5 * mm, value[:90])
        y -= 11 * mm
    canvas.setFont("Helvetica", 9)
    canvas.drawString(20 * mm, min(y, top - 16 * mm - QR_SIZE), slip.caption[:120])
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def appended(pdf: bytes, slip: bytes) -> bytes:
    """The document with the slip as its last page."""
    writer = PdfWriter()
    for data in (pdf, slip):
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
