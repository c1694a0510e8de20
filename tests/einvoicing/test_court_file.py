"""The court file cites what the platform said: an invoice approved by the
buyer is a fact the judge reads in the chronology, with its proof."""

import io
from datetime import date

from pypdf import PdfReader

from relance.einvoicing.services import import_statuses
from relance.legal.documents import make_court_file
from tests.factories import make_invoice

from .cdar_files import status_file


def test_the_approval_is_in_the_chronology(acme):
    make_invoice(acme, "F-2026-001", date(2026, 11, 1), issued=date(2026, 10, 2))
    import_statuses(
        acme, status_file(("F-2026-001", "205", "20261002"), message="PA-8")
    )
    import_statuses(
        acme, status_file(("F-2026-001", "204", "20261002"), message="PA-9")
    )
    pdf, *_ = make_court_file(acme, acme.customer_set.get(), date(2026, 12, 4), "alice")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert "Facture F-2026-001 : « Approuvée »" in text
    assert "message PA-8" in text
    assert "PA-9" not in text  # 'prise en charge' proves nothing against the buyer
