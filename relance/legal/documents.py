"""Letters, statements and the court file for one customer, from the ledger.
Every generated document is kept in the data directory and fingerprinted on the
timeline, so what was sent can be proven later."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from relance.comms.models import MessageStatus, OutboundMessage
from relance.comms.render import letter_context, render_letter, supported
from relance.comms.wording import custom_templates
from relance.core.identifiers import format_iban
from relance.core.penalties import Paid
from relance.core.policy import DEFAULT_POLICY
from relance.core.statement import InvoiceFacts, Statement, build_statement, deadline
from relance.dunning.models import Action
from relance.dunning.pay_by_scan import with_slip
from relance.firms.letters import signatory
from relance.formats.letters_pdf import (
    FORMAL_NOTICE,
    REGISTERED_LETTER,
    ChronologyEntry,
    CourtFile,
    Letter,
    Party,
    court_file_pdf,
    letter_pdf,
)
from relance.ledger.models import Allocation, Customer, Invoice
from relance.stored_files import letters_folder, safe_name
from relance.timeline.models import Event
from relance.timeline.services import record

from .services import contract_rate, rate_table

KINDS = (REGISTERED_LETTER, FORMAL_NOTICE)
# The steps a letter names among the customer's earlier reminders.
REMINDER_STEPS = tuple(s.key for s in DEFAULT_POLICY.steps if s.counts_as_reminder)
DEFAULT_COSTS = Decimal("150.00")
# Lifecycle statuses a court file cites: the buyer approved, disputed, refused or
# said it paid (relance.einvoicing).
CITED_STATUSES = ("205", "206", "207", "210", "211", "212")


def customer_statement(org, customer: Customer, as_of: date) -> Statement:
    invoices = list(Invoice.objects.filter(org=org, customer=customer))
    payments = defaultdict(list)
    for inv_id, on, amount in Allocation.objects.filter(
        invoice__in=invoices
    ).values_list("invoice_id", "payment__received_on", "amount"):
        payments[inv_id].append(Paid(on, amount))
    facts = [
        InvoiceFacts(
            i.number,
            i.issue_date,
            i.due_date,
            i.total,
            i.currency,
            tuple(sorted(payments[i.id], key=lambda p: p.on)),
        )
        for i in invoices
    ]
    notice = _first_notice(org, customer) if customer.kind == "b2c" else None
    return build_statement(
        facts,
        as_of,
        rate_table(),
        b2c=customer.kind == "b2c",
        public=customer.kind == "public",
        notice=notice,
        contractual_rate=contract_rate(org, customer),
        claim_late_paid=org.claim_late_paid,
    )


def _first_notice(org, customer) -> date | None:
    """Legal interest on a consumer's debt runs from the first formal notice."""
    event = (
        Event.objects.filter(
            org=org,
            customer_id=customer.pk,
            kind="letter.generated",
            data__kind=FORMAL_NOTICE,
        )
        .order_by("seq")
        .first()
    )
    return date.fromisoformat(event.data["sent_on"]) if event else None


def party_for_org(org) -> Party:
    return Party(org.name, org.address, org.siren, org.sender_email, org.phone)


def party_for_customer(customer: Customer) -> Party:
    contact = first_contact(customer)
    email = contact.email if contact else ""
    return Party(customer.name, customer.address, customer.siren, email, "")


def first_contact(customer):
    """The contact a letter is addressed to: the first one with an email."""
    if customer.pk is None:  # the invented customer of a preview
        return None
    return customer.contacts.exclude(email="").order_by("id").first()


def _place(org) -> str:
    last = org.address.strip().splitlines()[-1] if org.address.strip() else ""
    return re.sub(r"^\d{5}\s+", "", last) or "—"


def earlier_reminders(org, customer, before: date) -> tuple[date, ...]:
    """The days the customer was reminded before a letter: the letter of the
    day is not one of its own earlier reminders."""
    days = (
        Action.objects.filter(
            org=org, customer=customer, step__in=REMINDER_STEPS, run_date__lt=before
        )
        .exclude(status="cancelled")
        .values_list("run_date", flat=True)
    )
    return tuple(sorted(set(days)))


def _keep(org, customer, name: str, pdf: bytes, kind: str, actor: str, data: dict):
    """Write the PDF under the data directory and record its fingerprint."""
    path = letters_folder(org.pk, customer.pk) / safe_name(name)
    path.write_bytes(pdf)
    digest = hashlib.sha256(pdf).hexdigest()
    record(
        org,
        kind,
        actor=actor,
        customer_id=customer.pk,
        data={**data, "sha256": digest, "file": path.name},
    )
    return path, digest


def build_letter(
    org,
    customer: Customer,
    kind: str,
    sent_on: date,
    statement: Statement,
    earlier: tuple[date, ...],
    wording: dict,
    lang: str | None = None,
) -> Letter:
    """The letter as it would go out, in the organisation's wording (`wording`,
    from comms.wording.custom_templates) or relance's. Raises LetterWordingError
    when that wording leaves out a fixed part."""
    lang = supported(lang or customer.language)
    due_by = deadline(sent_on)
    context = letter_context(org, customer, statement, earlier, due_by, lang)
    contact = first_contact(customer)
    if contact:
        context["contact"] = {"name": contact.name, "email": contact.email}
    subject, body = render_letter(kind, lang, context, wording)
    return Letter(
        kind=kind,
        creditor=party_for_org(org),
        debtor=party_for_customer(customer),
        place=_place(org),
        sent_on=sent_on,
        deadline=due_by,
        statement=statement,
        subject=subject,
        body=body,
        iban=format_iban(org.iban) if org.iban else "",
        signatory=signatory(org, lang),
        reference=f"{customer.ref}-{sent_on:%Y%m%d}",
        language=lang,
    )


def make_letter(
    org,
    customer: Customer,
    kind: str,
    sent_on: date,
    actor: str,
    planned_on: date | None = None,
):
    """Generate, keep and fingerprint a registered letter or a formal notice,
    dated `sent_on`; a letter of a run (`planned_on`, its run's day) names the
    reminders planned before it."""
    if kind not in KINDS:
        raise ValidationError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    statement = customer_statement(org, customer, sent_on)
    if not statement.lines:
        raise ValidationError(f"nothing is overdue for customer {customer.ref}")
    letter = build_letter(
        org,
        customer,
        kind,
        sent_on,
        statement,
        earlier_reminders(org, customer, planned_on or sent_on),
        custom_templates(org),
    )
    pdf = with_slip(letter_pdf(letter), customer, letter.language)
    path, digest = _keep(
        org,
        customer,
        f"{kind}-{sent_on.isoformat()}.pdf",
        pdf,
        "letter.generated",
        actor,
        {
            "kind": kind,
            "sent_on": sent_on,
            "invoices": [x.invoice.number for x in statement.lines],
            "total_due": statement.total_due,
            "deadline": letter.deadline,
        },
    )
    return pdf, statement, path, digest


def make_court_file(
    org,
    customer: Customer,
    as_of: date,
    actor: str,
    costs_estimate: Decimal = DEFAULT_COSTS,
):
    statement = customer_statement(org, customer, as_of)
    if not statement.lines:
        raise ValidationError(f"nothing is overdue for customer {customer.ref}")
    court_file = CourtFile(
        creditor=party_for_org(org),
        debtor=party_for_customer(customer),
        debtor_is_consumer=customer.kind == "b2c",
        prepared_on=as_of,
        statement=statement,
        chronology=_chronology(org, customer, as_of),
        costs_estimate=costs_estimate,
        annexes=_annexes(org, customer, statement),
    )
    pdf = court_file_pdf(court_file)
    path, digest = _keep(
        org,
        customer,
        f"injonction-de-payer-{as_of.isoformat()}.pdf",
        pdf,
        "court_file.generated",
        actor,
        {"total_due": statement.total_due},
    )
    return pdf, statement, path, digest


def _chronology(org, customer, as_of: date) -> tuple[ChronologyEntry, ...]:
    entries = []
    messages = {
        m.pk: m for m in OutboundMessage.objects.filter(org=org, customer=customer)
    }
    for e in Event.objects.filter(org=org, customer_id=customer.pk).order_by("seq"):
        local = e.at.astimezone(ZoneInfo(org.timezone)).date()
        if e.kind == "message.sent":
            msg = messages.get(e.data.get("message"))
            proof = (
                f"courriel envoyé à {', '.join(e.data.get('to', []))}, Message-ID "
                f"{msg.message_id if msg else '?'}, événement n° {e.seq} "
                f"(empreinte {e.hash[:16]}…)"
            )
            entries.append(
                ChronologyEntry(local, f"Relance : {e.data.get('subject', '')}", proof)
            )
        elif e.kind == "action.planned" and e.data.get("channel") in (
            "phone",
            "letter",
        ):
            what = {"phone": "Appel téléphonique prévu", "letter": "Courrier prévu"}[
                e.data["channel"]
            ]
            entries.append(
                ChronologyEntry(
                    local,
                    f"{what} ({e.data.get('step')}) : {_numbers(e)}",
                    f"événement n° {e.seq}",
                )
            )
        elif e.kind == "letter.generated":
            label = (
                "Mise en demeure"
                if e.data.get("kind") == FORMAL_NOTICE
                else "Lettre de relance recommandée"
            )
            entries.append(
                ChronologyEntry(
                    date.fromisoformat(e.data["sent_on"]),
                    f"{label} : {_numbers(e)}",
                    f"PDF conservé, SHA-256 {e.data['sha256'][:16]}… ; "
                    "joindre l'avis de réception",
                )
            )
        elif e.kind == "einvoicing.status" and e.data.get("code") in CITED_STATUSES:
            entries.append(
                ChronologyEntry(
                    local,
                    f"Facture {e.data.get('invoice', '')} : « {e.data.get('status')} » "
                    "sur la plateforme de facturation électronique",
                    f"message {e.data.get('message')}, événement n° {e.seq} "
                    f"(empreinte {e.hash[:16]}…)",
                )
            )
    if not any(m.status == MessageStatus.SENT for m in messages.values()):
        entries.append(
            ChronologyEntry(
                as_of,
                "Aucun courriel de relance envoyé",
                "à compléter par les démarches faites hors relance",
            )
        )
    return tuple(sorted(entries, key=lambda e: e.on))


def _numbers(event) -> str:
    return ", ".join(event.data.get("invoices", []))


def _annexes(org, customer, statement: Statement):
    numbers = [x.invoice.number for x in statement.lines]
    docs = {
        i.number: i.document
        for i in Invoice.objects.filter(org=org, number__in=numbers)
    }
    annexes = []
    for number in numbers:
        doc = docs.get(number)
        pdf = doc.read() if doc and doc.name.lower().endswith(".pdf") else None
        annexes.append((f"Facture {number}", pdf))
    notice = letters_folder(org.pk, customer.pk)
    letters = sorted(notice.glob(f"{FORMAL_NOTICE}-*.pdf"))
    annexes.append(
        (
            "Mise en demeure et son avis de réception",
            letters[-1].read_bytes() if letters else None,
        )
    )
    annexes.append(("Conditions générales de vente ou contrat signé", None))
    return tuple(annexes)
