"""Text of a PDF, for checks on what an invoice says. Never raises on bad input."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader

MAX_PAGES = 20
logging.getLogger("pypdf").setLevel(logging.ERROR)


def pdf_text(data: bytes) -> tuple[str, str | None]:
    """The text of the first pages, and an error message when it cannot be read."""
    if not data.startswith(b"%PDF"):
        return "", "not a PDF file"
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = reader.pages[:MAX_PAGES]
        return "\n".join(page.extract_text() or "" for page in pages), None
    except Exception as exc:  # pypdf raises many kinds on damaged files
        return "", f"unreadable PDF: {exc}"
