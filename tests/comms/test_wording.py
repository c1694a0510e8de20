"""Every message an organisation sends can be worded its own way, per language:
emails, the registered letter and the formal notice (whose legal parts stay
relance's), and the SMS/WhatsApp texts. Edited wording renders in a sandbox
that known template-injection payloads cannot get out of."""

from datetime import date, timedelta

import pytest

from relance.comms.models import MessageTemplate, OutboundMessage
from relance.comms.wording import (
    WordingError,
    preview,
    preview_letter,
    save_wording,
    shipped,
)
from relance.core.policy import DEFAULT_POLICY
from relance.core.policy_config import to_data
from relance.dunning.models import Action
from relance.dunning.policies import save_policy
from relance.dunning.services import run_dunning
from relance.ledger.contacts import add_contact
from relance.legal.documents import make_letter
from relance.timeline.models import Event
from tests.factories import make_invoice
from tests.legal.test_documents import text_of

DUE = date(2025, 5, 15)
NOTICE = (
    "Bonjour {{ contact.name|default:'Madame, Monsieur' }},\n\n"
    "Notre dossier {{ customer.ref }} : {{ count }} facture(s), {{ total_due }} "
    "en tout, après {{ reminder_count }} relance(s).\n\n"
    "[[invoices]]\n\n[[statement]]\n\n[[demand]]\n\n[[payment]]\n\n"
    "Bien à vous,\nLe pôle recouvrement"
)


def text(pdf: bytes) -> str:
    return " ".join(text_of(pdf).split())


@pytest.fixture(autouse=True)
def documents(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "documents"
    settings.DATA_DIR = tmp_path


def overdue(org, ref="HP", reminded=(1, 10)):
    inv = make_invoice(org, f"{ref}-1", DUE, total="3000.00", customer_ref=ref)
    for offset in reminded:
        run_dunning(org, DUE + timedelta(days=offset))
    return inv.customer


def test_a_formal_notice_in_the_organisations_words_keeps_the_legal_parts(acme, other):
    customer = overdue(acme)
    customer.contacts.update(name="Claire Dubois")
    save_wording(acme, "formal_notice", "fr", "Dernier avis avant procès", NOTICE, "al")
    pdf, *_ = make_letter(acme, customer, "formal_notice", date(2025, 8, 20), "al")
    said = text(pdf)
    assert "Objet : Dernier avis avant procès — facture HP-1" in said
    assert "Bonjour Claire Dubois, Notre dossier HP : 1 facture(s), 3 " in said
    assert "après 2 relance(s)" in said and "Bien à vous, Le pôle recouvrement" in said
    # The parts the law relies on are still relance's, with the same sums.
    assert "nous vous mettons en demeure" in said
    assert "au plus tard le 30 août 2025" in said
    assert "Pénalités de retard (art. L441-10 du Code de commerce" in said
    assert "FR76 3000 6000 0112 3456 7890 189" in said
    assert "Madame, Monsieur, l'expression" not in said  # relance's closing is gone
    # Another organisation still writes relance's letter.
    theirs = overdue(other, ref="OT")
    pdf, *_ = make_letter(other, theirs, "formal_notice", date(2025, 8, 20), "bo")
    assert "Mise en demeure de payer" in text(pdf) and "Notre dossier" not in text(pdf)
    # English-speaking debtors still get relance's English letter.
    customer.language = "en"
    customer.save()
    pdf, *_ = make_letter(acme, customer, "formal_notice", date(2025, 8, 21), "al")
    assert "Formal notice to pay (mise en demeure)" in text(pdf)


def test_a_letter_that_would_drop_the_demand_is_refused_and_nothing_is_kept(acme):
    overdue(acme)
    without = NOTICE.replace("[[demand]]\n\n", "")
    with pytest.raises(WordingError) as caught:
        save_wording(acme, "formal_notice", "fr", "Avis", without, "al")
    assert caught.value.part == "body" and "[[demand]]" in str(caught.value)
    with pytest.raises(WordingError, match="is empty once rendered"):
        save_wording(acme, "formal_notice", "fr", "{{ nothing }}", NOTICE, "al")
    assert not MessageTemplate.objects.exists()
    assert not Event.objects.filter(kind="template.saved").exists()


def test_the_registered_letter_step_of_a_run_uses_the_saved_wording(acme):
    body = shipped("registered_letter", "en")[1].replace(
        "Dear Sir or Madam,", "Dear {{ customer.name }},"
    )
    save_wording(
        acme, "registered_letter", "en", "Account {{ customer.ref }}", body, "al"
    )
    customer = overdue(acme, reminded=())
    customer.language = "en"
    customer.save()
    for offset in (1, 10, 20, 30):
        run_dunning(acme, DUE + timedelta(days=offset))
    letter = Action.objects.get(step="registered_letter")
    from django.conf import settings

    said = text((settings.MEDIA_ROOT / letter.document).read_bytes())
    assert "Re: Account HP — invoice HP-1" in said and "Dear Client HP," in said
    assert "Despite our reminders of 16 May, 25 May and 4 June 2025" in said
    assert "we will send you a formal notice" in said


def test_a_letter_preview_is_the_pdf_to_a_real_customer_and_keeps_nothing(acme):
    overdue(acme)
    shown, pdf = preview_letter(
        acme, "formal_notice", "fr", "Avis", NOTICE, date(2025, 8, 20)
    )
    assert pdf.startswith(b"%PDF") and "Notre dossier HP" in text(pdf)
    assert "Client HP" in shown.body_text and "mettons en demeure" in shown.body_text
    assert not MessageTemplate.objects.exists()
    assert not Event.objects.filter(kind="letter.generated").exists()


def text_policy(org):
    data = to_data(DEFAULT_POLICY)
    for step in data["steps"]:
        if step["key"] == "reminder_1":
            step["channel"] = "sms"
    save_policy(org, "good", data, actor="al")


def test_a_saved_text_wording_is_what_the_sms_says(acme):
    text_policy(acme)
    inv = make_invoice(acme, "F1", DUE)
    add_contact(acme, inv.customer, actor="al", mobile="06 12 34 56 78")
    own = (
        "{{ org.name }}\n: la facture {{ numbers }} ({{ total_open }}) attend.  Merci !"
    )
    save_wording(acme, "text_reminder_1", "fr", "", own, "al")
    run_dunning(acme, DUE + timedelta(days=1))
    message = OutboundMessage.objects.get()
    assert message.channel == "sms"
    # One paragraph: the line break and the double space fold into one space,
    # and the amount's no-break spaces (not in the GSM alphabet) become plain.
    assert message.body_text == (
        "Acme Conseil SAS : la facture F1 (1 200,00 €) attend. Merci !"
    )


def test_a_text_has_no_subject_and_stays_within_four_sms(acme):
    make_invoice(acme, "F1", DUE)
    with pytest.raises(WordingError, match="has no subject") as caught:
        save_wording(acme, "text_reminder_1", "fr", "Objet", "{{ numbers }}", "al")
    assert caught.value.part == "subject"
    with pytest.raises(WordingError, match="more than 4 SMS"):
        save_wording(acme, "text_reminder_1", "fr", "", "x" * 613, "al")
    shown = preview(
        acme,
        "text_reminder_2",
        "en",
        "",
        *shipped("text_reminder_2", "en")[1:],
        DUE + timedelta(days=5),
    )
    assert "F1" in shown.body_text and "\n" not in shown.body_text
    assert not MessageTemplate.objects.exists()


# Known payloads: reaching the models behind a value, loading tag libraries,
# reading files through include/extends, printing the server's state.
REFUSED = [
    "{% load static %}{% static 'x' %}",
    "{% load log %}",
    "{% debug %}",
    "{% url 'login' %}",
    '{% include "/etc/passwd" %}',
    '{% include "../../../config/settings.py" %}',
    '{% include "comms/../../wording.py" %}',
    '{% extends "/etc/passwd" %}',
    "{{ customer.__class__.__mro__ }}",
    "{{ ''.__class__ }}",
    "{% include customer.name %}",
]
PROBE = (
    "[{{ customer.account_owner.password }}][{{ customer.org.iban }}]"
    "[{{ settings.SECRET_KEY }}][{{ org.pk }}][{{ customer.contacts.all }}]"
    "[{{ request.user }}][{{ invoices.0.customer }}]"
)
LETTER_PARTS = "\n\n[[invoices]]\n\n[[statement]]\n\n[[demand]]"


def sources(name: str, body: str) -> tuple[str, str]:
    if name.startswith("text_"):
        return "", body
    if name in ("registered_letter", "formal_notice"):
        return "Objet", body + LETTER_PARTS
    return "Objet", body


NAMES = ["reminder_1", "formal_notice", "text_reminder_1"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("payload", REFUSED)
def test_injection_payloads_are_refused(acme, settings, name, payload):
    settings.DEBUG = True  # {% debug %} would print the loaded modules
    overdue(acme, reminded=())
    with pytest.raises(WordingError):
        save_wording(acme, name, "fr", *sources(name, payload), "al")
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize("name", NAMES)
def test_the_sandbox_sees_plain_values_only(acme, name):
    overdue(acme, reminded=())
    shown = save_wording(acme, name, "fr", *sources(name, PROBE), "al")
    assert "[][][][][][][]" in shown.body_text.replace("\n", "")


def test_an_edited_reminder_may_state_the_sums_due_at_any_step(acme):
    overdue(acme, reminded=())
    body = "Dû : {{ statement.principal }} + {{ statement.indemnity }} = {{ statement.total }}"
    shown = preview(acme, "reminder_1", "fr", "Relance", body, DUE + timedelta(days=5))
    # 3,000 principal, 40 indemnity, and five days of penalties at the ECB
    # rate + 10 points (13.15 % a year in the first half of 2025): 5.40.
    assert " ".join(shown.body_text.split()) == "Dû : 3 000,00 € + 40,00 € = 3 045,40 €"


def test_a_partial_is_named_in_quotes_not_by_a_value(acme):
    """A value could name an existing partial for the preview's customer and a
    missing one for the next customer, whose messages would then fail to render."""
    overdue(acme, reminded=())
    with pytest.raises(WordingError, match="only a partial named in quotes"):
        save_wording(
            acme, "reminder_1", "fr", "Relance", "{% include org.name %}", "al"
        )
    body = '{% include "comms/email/fr/_lines.txt" %}'
    assert (
        "HP-1"
        in save_wording(acme, "reminder_1", "fr", "Relance", body, "al").body_text
    )
