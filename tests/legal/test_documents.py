"""Letters and court file: the PDF text is extracted and checked, and each page is
rendered to PNG under artifacts/ for a person to look at."""

import io
import json
import shutil
import subprocess
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from relance.comms.services import send_outbox
from relance.dunning.services import run_dunning
from relance.ledger.models import Customer
from relance.timeline.models import Event
from tests.factories import make_invoice, pay

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "documents"


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def render_png(pdf: bytes, name: str) -> list[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            shutil.which("pdftoppm"),
            "-png",
            "-r",
            "60",
            str(source),
            str(ARTIFACTS / name),
        ],
        check=True,
    )
    return sorted(ARTIFACTS.glob(f"{name}*.png"))


@pytest.fixture
def debtor(acme, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "documents"
    acme.address = "12 rue des Tanneurs\n69002 Lyon"
    acme.sender_name = "Claire Martin, service recouvrement"
    acme.save()
    f1 = make_invoice(
        acme,
        "F-2025-101",
        date(2025, 5, 15),
        total="12000.00",
        customer_ref="HP",
        name="Hôtel du Parc SAS",
    )
    make_invoice(
        acme, "F-2025-102", date(2025, 5, 31), total="10000.00", customer_ref="HP"
    )
    customer = f1.customer
    customer.siren, customer.address = "552100554", "3 place Bellecour\n69002 Lyon"
    customer.save()
    pay(acme, customer.invoices.get(number="F-2025-102"), "4000.00", date(2025, 6, 15))
    for day in (date(2025, 5, 16), date(2025, 5, 26), date(2025, 6, 5)):
        run_dunning(acme, day)
    return customer


def cmd(*args):
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def letter(kind: str, day: str, customer: str = "HP") -> tuple[dict, str]:
    """`relance letter` for Acme's customer: its JSON and the letter's text."""
    data = cmd("letter", kind, "--org", "acme", "--customer", customer, "--date", day)
    return data, text_of_file(data["file"])


def text_of_file(path) -> str:
    """A PDF's text on one line, spaces folded, for phrases to be found in."""
    return " ".join(text_of(Path(path).read_bytes()).split())


def test_formal_notice_has_every_element(acme, debtor, tmp_path):
    out = tmp_path / "notice.pdf"
    data = cmd(
        "letter",
        "formal_notice",
        "--org",
        "acme",
        "--customer",
        "HP",
        "--date",
        "2025-08-20",
        "--out",
        str(out),
    )
    text = text_of_file(out)
    assert "Mise en demeure de payer" in text
    assert "mettons en demeure" in text
    assert "Acme Conseil SAS" in text and "SIREN 732829320" in text
    assert (
        "Hôtel du Parc SAS" in text
        and "SIREN 552100554" in text
        and "3 place Bellecour" in text
    )
    assert "F-2025-101" in text and "F-2025-102" in text
    assert (
        "12 000,00 €" in text and "6 000,00 €" in text
    )  # principal still due per invoice
    assert "Pénalités de retard" in text and "L441-10" in text
    assert "2 × 40,00 €" in text
    assert "Lyon, le 20 août 2025" in text
    assert (
        "au plus tard le 30 août 2025" in text and "à compter de la réception" in text
    )
    assert "saisirons sans autre avis la juridiction compétente" in text
    assert "Claire Martin, service recouvrement" in text
    assert "Malgré nos relances des 16 mai, 26 mai et 5 juin 2025" in text
    assert "FR76 3000 6000 0112 3456 7890 189" in text
    # 18000 principal + 402.59 (F1) + 54.04 + 32.42 + 101.86 (F2) interest + 2 x 40
    assert data["total_due"] == "18670.92"
    event = Event.objects.filter(kind="letter.generated").get()
    assert (
        event.data["sha256"] == data["sha256"] and event.data["kind"] == "formal_notice"
    )
    assert render_png(out.read_bytes(), "formal-notice")


def test_registered_letter_is_not_a_formal_notice(acme, debtor):
    _, text = letter("registered_letter", "2025-08-01")
    assert "Relance avant mise en demeure" in text
    assert "mettons en demeure" not in text
    assert "nous vous adresserons une mise en demeure" in text


def test_an_english_speaking_debtor_gets_both_letters_in_english(acme, debtor):
    Customer.objects.filter(pk=debtor.pk).update(language="en")
    notice, text = letter("formal_notice", "2025-08-20")
    assert "Formal notice to pay (mise en demeure)" in text
    assert "We therefore give you formal notice to pay us the sum of €18,670.92" in text
    assert "by 30 August 2025 at the latest" in text
    assert "Despite our reminders of 16 May, 26 May and 5 June 2025" in text
    assert "Lyon, 20 August 2025" in text
    assert "L441-10 of the French Commercial Code" in text and "2 × €40.00" in text
    assert "€12,000.00" in text and "Yours faithfully" in text
    # the same sums as the French letter: only the words change
    assert notice["total_due"] == "18670.92"
    assert not any(w in text for w in ("Madame", "Malgré", "mettons", "Montant TTC"))
    _, text = letter("registered_letter", "2025-08-01")
    assert "Final reminder before formal notice" in text
    assert "we will send you a formal notice" in text
    assert "give you formal notice" not in text
    assert render_png(Path(notice["file"]).read_bytes(), "formal-notice-en")


def test_consumer_notice_has_no_indemnity_and_starts_legal_interest(
    acme, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    make_invoice(
        acme,
        "P-1",
        date(2025, 4, 30),
        total="1500.00",
        customer_ref="MME",
        name="Mme Claire Dubois",
        kind="b2c",
    )
    _, text = letter("formal_notice", "2025-06-10", customer="MME")
    assert "40,00" not in text and "L441-10" not in text
    assert "Intérêts au taux légal, à compter de la présente mise en demeure" in text
    # After the notice, the statement counts legal interest from its date.
    st = cmd("statement", "--org", "acme", "--customer", "MME", "--date", "2025-09-15")
    assert (st["interest"], st["indemnity"]) == ("11.78", "0.00")


def test_court_file_bundles_summary_chronology_statement_and_annexes(
    acme, debtor, tmp_path, smtp
):
    from relance.comms.models import OutboundMessage
    from relance.comms.services import send_outbox

    assert send_outbox(acme)["sent"] >= 2
    first_sent = OutboundMessage.objects.filter(status="sent").order_by("pk").first()
    cmd(
        "letter",
        "formal_notice",
        "--org",
        "acme",
        "--customer",
        "HP",
        "--date",
        "2025-08-20",
    )
    out = tmp_path / "ip.pdf"
    cmd(
        "court-file",
        "--org",
        "acme",
        "--customer",
        "HP",
        "--date",
        "2025-09-15",
        "--out",
        str(out),
    )
    pdf = out.read_bytes()
    text = text_of_file(out)
    assert "Dossier de requête en injonction de payer" in text
    assert (
        "tribunal de commerce" in text
        and "cerfa n° 12946" in text
        and "(69002 Lyon)" in text
    )
    assert "Chronologie des démarches amiables" in text
    assert first_sent.message_id in text.replace(" ", "")
    assert "Relance : Facture F-2025-101 : règlement en attente" in text
    assert "Mise en demeure : F-2025-101, F-2025-102" in text
    assert "Décompte détaillé" in text and "13,15 %" in text and "12,15 %" in text
    assert "Bordereau des pièces justificatives" in text
    assert "Pièce n° 1 : Facture F-2025-101" in text
    assert "la créance justifie la procédure" in text
    # The formal notice itself is appended as an annex.
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 5
    assert text.count("mettons en demeure") == 1
    assert render_png(pdf, "court-file")


def test_nothing_overdue_is_a_clear_error(acme):
    make_invoice(acme, "N-1", date(2030, 1, 1), customer_ref="OK")
    with pytest.raises(CommandError, match="nothing is overdue for customer OK"):
        cmd(
            "letter",
            "formal_notice",
            "--org",
            "acme",
            "--customer",
            "OK",
            "--date",
            "2025-01-01",
        )
    with pytest.raises(CommandError, match="no customer 'NOPE'"):
        cmd("statement", "--org", "acme", "--customer", "NOPE")


def test_statement_today_counts_interest_only_while_rates_are_known(acme):
    make_invoice(acme, "L-1", date(2026, 12, 1), total="1000.00", customer_ref="LATE")
    st = cmd("statement", "--org", "acme", "--customer", "LATE", "--date", "2027-01-20")
    assert st["interest_until"] == "2026-12-31"
    assert st["invoices"][0]["days_late"] == 50
    assert st["warnings"] and "2026-12-31" in st["warnings"][0]
    assert Customer.objects.get(ref="LATE").invoices.count() == 1


def test_letter_steps_produce_letters_through_the_provider(acme, settings, tmp_path):
    from relance.dunning.models import Action

    settings.MEDIA_ROOT = tmp_path / "documents"
    settings.DATA_DIR = tmp_path
    due = date(2025, 5, 15)
    make_invoice(acme, "R-1", due, total="2000.00", customer_ref="R")
    for offset in (1, 10, 20, 30, 40):
        run_dunning(acme, due + timedelta(days=offset))
    # Letters go out from the outbox, as every message.
    send_outbox(acme)
    letters = Action.objects.filter(channel="letter").order_by("run_date")
    assert [a.step for a in letters] == ["registered_letter", "formal_notice"]
    notice = letters[1]
    pdf = (tmp_path / "documents" / notice.document).read_bytes()
    assert "Mise en demeure de payer" in text_of(pdf)
    customer = notice.customer
    name = f"org{acme.pk}-customer{customer.pk}-formal_notice.pdf"
    printed = tmp_path / "print" / "2025-06-24" / name
    assert printed.read_bytes() == pdf
    event = Event.objects.filter(kind="letter.submitted").order_by("seq").last()
    assert event.data["provider"] == "print" and event.data["reference"].endswith(name)


class RefusingProvider:
    name = "refusing"

    def submit(self, pdf, recipient, reference, on):
        raise ConnectionError("LRE provider unreachable")


def test_a_failing_letter_provider_leaves_the_action_to_do_with_the_reason(
    acme, settings, tmp_path
):
    from relance.dunning.models import Action

    settings.MEDIA_ROOT = tmp_path
    settings.RELANCE_LETTER_PROVIDER = "tests.legal.test_documents.RefusingProvider"
    due = date(2025, 5, 15)
    make_invoice(acme, "R-2", due, total="2000.00", customer_ref="R")
    for offset in (1, 10, 20, 30):
        run_dunning(acme, due + timedelta(days=offset))
    send_outbox(acme)
    letter = Action.objects.get(channel="letter")
    assert letter.status == "todo" and "LRE provider unreachable" in letter.reason
    assert Event.objects.filter(kind="letter.failed").count() == 1


def test_the_letter_of_an_action_downloads_from_the_customer_page(
    client, alice, acme, settings, tmp_path
):
    from django.urls import reverse

    from relance.dunning.models import Action
    from tests.conftest import PASSWORD

    settings.MEDIA_ROOT = tmp_path / "documents"
    settings.DATA_DIR = tmp_path
    due = date(2025, 5, 15)
    inv = make_invoice(acme, "W-1", due, total="2000.00", customer_ref="W")
    for offset in (1, 10, 20, 30):
        run_dunning(acme, due + timedelta(days=offset))
    action = Action.objects.get(step="registered_letter")
    assert client.login(username=alice.username, password=PASSWORD)
    page = client.get(reverse("customer", args=[inv.customer_id])).content.decode()
    assert reverse("action_document", args=[action.pk]) in page
    response = client.get(reverse("action_document", args=[action.pk]))
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_run_warns_about_defective_invoices_it_chases(acme):
    from relance.dunning.services import run_dunning as run

    inv = make_invoice(acme, "D-1", date(2025, 5, 15), customer_ref="D")
    inv.defects = [{"code": "term_over_cap", "message": "…", "blocking": True}]
    inv.save()
    result = run(acme, date(2025, 5, 16))
    assert {
        "invoice": "D-1",
        "customer": "D",
        "reason": "invoice_defect",
        "defects": ["term_over_cap"],
    } in result["warnings"]
