"""No user-supplied value becomes part of a path. Before this, a customer
reference was a folder name (`letters/<org>/<customer.ref>/`): a collector of one
organisation who imported the reference `../other/B1` read and overwrote another
organisation's formal notices, and an absolute reference wrote anywhere."""

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.urls import reverse
from pypdf import PdfWriter

from relance.api.tokens import issue
from relance.comms.letters import PrintBatch
from relance.comms.services import send_outbox
from relance.dunning.models import Action
from relance.dunning.services import run_dunning
from relance.formats.letters_pdf import Party
from relance.ledger.models import Customer, Invoice
from relance.ledger.services import attach_documents
from relance.legal.documents import make_court_file, make_letter
from relance.stored_files import download_name, safe_name
from tests.factories import make_invoice
from tests.legal.test_documents import text_of

HOSTILE = [
    "../other/B1",
    "../../../../../../tmp/relance-escape",
    "/tmp/relance-absolute",
    "..",
    ".",
    "a/" * 31 + "b",
    "R" * 64,
    "C:\\Windows\\x",
    "C\x00/../x",
]
DAY = date(2025, 6, 24)


def blank_pdf() -> bytes:
    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(595, 842)
    writer.write(out)
    return out.getvalue()


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "documents"
    return tmp_path


def overdue(org, ref, name):
    make_invoice(org, "F-1", date(2025, 5, 15), "900.00", ref)
    customer = Customer.objects.get(org=org, ref=ref)
    customer.name = name
    customer.save()
    return customer


def test_a_reference_made_to_reach_another_organisation_reaches_nothing(
    acme, other, data_dir, client, alice
):
    """Organisation B's formal notice is neither overwritten by A's letters nor
    bundled into A's court file; the hostile reference came in through the API."""
    victim = overdue(other, "B1", "Victime SARL")
    b_pdf, *_ = make_letter(other, victim, "formal_notice", DAY, "bob")
    b_files = {p: p.read_bytes() for p in files_under(data_dir)}

    made = client.post(
        "/api/invoices",
        json.dumps(
            {
                "number": "F-EVIL",
                "customer_ref": "../other/B1",
                "customer_name": "Attaquant SAS",
                "customer_email": "x@attaquant.example",
                "issue_date": "2025-04-15",
                "due_date": "2025-05-15",
                "total": "500.00",
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issue(alice.memberships.get(org=acme), 't')[1]}",
    )
    assert made.status_code == 201, made.content
    attacker = Customer.objects.get(org=acme, ref="../other/B1")
    make_letter(acme, attacker, "formal_notice", DAY, "alice")
    court_pdf, *_ = make_court_file(acme, attacker, DAY + timedelta(days=20), "alice")

    for path, content in b_files.items():
        assert path.read_bytes() == content, f"{path} was changed"
    court_text = text_of(court_pdf)
    assert "Attaquant SAS" in court_text
    assert "Victime SARL" not in court_text
    assert b_pdf not in court_pdf
    acme_folder = data_dir / "data" / "documents" / "orgs" / str(acme.pk)
    assert files_under(data_dir) - set(b_files) <= files_under(acme_folder)


@pytest.mark.parametrize("ref", HOSTILE)
def test_every_writer_keeps_files_in_the_organisation_folder(acme, data_dir, ref):
    """Letters, notices, court files, the print batch and invoice documents are
    named by ids and hashes, whatever the customer reference or file name."""
    # PostgreSQL stores no NUL: that reference is handed to the writers as is.
    customer = overdue(acme, ref.replace("\x00", ""), "Client Hostile")
    customer.ref = ref
    invoice = customer.invoices.get()
    for kind in ("registered_letter", "formal_notice"):
        make_letter(acme, customer, kind, DAY, "alice")
    make_court_file(acme, customer, DAY, "alice")
    attach_documents(acme, [(f"{ref}/{invoice.number}.pdf", blank_pdf())], "alice")
    invoice.refresh_from_db()
    assert invoice.document.name.startswith(f"orgs/{acme.pk}/invoices/")

    acme_folder = data_dir / "data" / "documents" / "orgs" / str(acme.pk)
    written = files_under(data_dir)
    assert written and written <= files_under(acme_folder)
    assert not Path("/tmp/relance-escape").exists()
    assert not Path("/tmp/relance-absolute").exists()


def test_the_print_batch_names_letters_by_ids(acme, data_dir):
    customer = overdue(acme, "../../evil", "Client Hostile")
    due = customer.invoices.get().due_date
    for offset in (1, 10, 20, 30, 40):
        run_dunning(acme, due + timedelta(days=offset))
    send_outbox(acme)  # letters go out from the outbox, as every message
    letters = Action.objects.filter(org=acme, channel="letter")
    assert letters.count() == 2
    printed = files_under(data_dir / "data" / "print")
    assert {p.name for p in printed} == {
        f"org{acme.pk}-customer{customer.pk}-{a.step}.pdf" for a in letters
    }
    assert all(p.parent.parent == data_dir / "data" / "print" for p in printed)


@pytest.mark.parametrize(
    "reference", ["../x", "/etc/x", "a\x00b", ".hidden", "x" * 200, "a/b", ""]
)
def test_a_provider_reference_that_is_not_a_plain_name_is_refused(data_dir, reference):
    with pytest.raises(SuspiciousFileOperation):
        PrintBatch().submit(b"%PDF", Party(name="X"), reference, DAY)
    assert not files_under(data_dir)


@pytest.mark.parametrize("name", ["../a.pdf", "a\x00.pdf", "a/b.pdf", "", "x" * 121])
def test_safe_name_refuses_what_is_not_a_plain_name(name):
    with pytest.raises(SuspiciousFileOperation):
        safe_name(name)


def test_a_download_name_is_plain_whatever_the_reference():
    assert download_name("mise-en-demeure", '../"É\r\nvil";x', "2025-06-24") == (
        "mise-en-demeure-E-vil-x-2025-06-24"
    )


def test_a_stored_document_path_that_leaves_the_data_directory_is_not_served(
    acme, books, members, client, data_dir
):
    outside = data_dir / "secret.pdf"
    outside.write_bytes(b"%PDF secret")
    action = Action.objects.filter(org=acme).first()
    Action.objects.filter(pk=action.pk).update(document="../../secret.pdf")
    client.force_login(members["admin"])
    response = client.get(reverse("action_document", args=[action.pk]))
    assert response.status_code == 400
    assert b"secret" not in response.content


def test_an_invoice_document_is_kept_in_the_organisation_folder(acme, data_dir):
    invoice = make_invoice(acme, "F-1", date(2025, 5, 15))
    invoice.document.save("whatever.pdf", ContentFile(b"%PDF-1.4"))
    assert Invoice.objects.get(pk=invoice.pk).document.name == (
        f"orgs/{acme.pk}/invoices/whatever.pdf"
    )
