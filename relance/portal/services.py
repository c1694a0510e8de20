"""What a debtor can do from the portal: declare a payment, dispute an invoice,
promise a date, propose a payment plan. Each creates the record the engine
already honours (a hold or a plan), so reminders pause at once, and tells the
team by an internal message. Limits come from the organisation."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from relance.comms.confirmations import confirm_plan, confirm_promise
from relance.comms.render import LOCALES, long_date, render_message, supported
from relance.comms.services import internal_message
from relance.core.money import format_money
from relance.dunning.holds import add_hold
from relance.dunning.models import HoldKind
from relance.dunning.plans import create_plan, monthly_schedule
from relance.ledger import queries as ledger_queries
from relance.ledger.models import Invoice
from relance.orgs.models import SENDERS, Membership

# A declared transfer is waited for this long before reminders resume: a SEPA
# transfer takes one to three business days, a cheque longer.
DECLARED_PAYMENT_DAYS = 10
MAX_PROOF_BYTES = 5 * 1024 * 1024
PROOF_TYPES = {".pdf", ".png", ".jpg", ".jpeg"}
DISPUTE_REASONS = {
    "not_received": _("I did not receive this invoice"),
    "wrong_amount": _("The amount is wrong"),
    "not_delivered": _("The order was not delivered"),
    "defect": _("The work or goods have a defect"),
    "other": _("Another reason"),
}


def actor(customer) -> str:
    return f"debtor portal ({customer.ref})"


def open_invoices(customer) -> list[Invoice]:
    return list(
        ledger_queries.open_invoices(customer.org)
        .filter(customer=customer)
        .order_by("due_date", "number")
    )


def _chosen(customer, numbers: list[str]) -> list[Invoice]:
    """The customer's open invoices among `numbers`; anything else is refused."""
    if not numbers:
        raise ValidationError("choose at least one invoice")
    by_number = {inv.number: inv for inv in open_invoices(customer)}
    unknown = [n for n in numbers if n not in by_number]
    if unknown:
        raise ValidationError(f"not an open invoice of yours: {', '.join(unknown)}")
    return [by_number[n] for n in numbers]


@transaction.atomic
def declare_payment(
    customer,
    numbers: list[str],
    *,
    paid_on: date,
    reference: str,
    today: date,
    proof: tuple[str, bytes] | None = None,
):
    invoices = _chosen(customer, numbers)
    if paid_on > today:
        raise ValidationError("the payment date cannot be in the future")
    if paid_on < today - timedelta(days=365):
        raise ValidationError("the payment date is more than a year ago")
    if proof is not None:
        _check_proof(*proof)
    reason = f"paid on {paid_on.isoformat()}" + (
        f", reference {reference}" if reference else ""
    )
    holds = [
        add_hold(
            customer.org,
            HoldKind.PAYMENT_PENDING,
            customer,
            invoice=inv,
            until=today + timedelta(days=DECLARED_PAYMENT_DAYS),
            reason=reason,
            actor=actor(customer),
        )
        for inv in invoices
    ]
    if proof is not None:
        name, data = proof
        holds[0].proof.save(f"{customer.org.slug}-{name}", ContentFile(data))
    _notify(
        customer,
        "payment_declared",
        invoices,
        paid_on=long_date(paid_on, _locale(customer.org.language)),
        reference=reference,
        proof=bool(proof),
        wait_days=DECLARED_PAYMENT_DAYS,
    )
    return holds


def _check_proof(name: str, data: bytes) -> None:
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in PROOF_TYPES:
        raise ValidationError("the proof must be a PDF, PNG or JPEG file")
    if len(data) > MAX_PROOF_BYTES:
        raise ValidationError("the proof is larger than 5 MB")


@transaction.atomic
def dispute(customer, number: str, *, reason: str, comment: str, today: date):
    (invoice,) = _chosen(customer, [number])
    if reason not in DISPUTE_REASONS:
        raise ValidationError(f"reason must be one of {', '.join(DISPUTE_REASONS)}")
    hold = add_hold(
        customer.org,
        HoldKind.DISPUTE,
        customer,
        invoice=invoice,
        reason=f"{reason}: {comment}".strip(": "),
        actor=actor(customer),
    )
    _notify(customer, "disputed", [invoice], reason=reason, comment=comment)
    return hold


@transaction.atomic
def promise(customer, numbers: list[str], *, until: date, today: date):
    invoices = _chosen(customer, numbers)
    latest = today + timedelta(days=customer.org.portal_max_promise_days)
    if not today <= until <= latest:
        raise ValidationError(
            f"the date must be between today and {latest.isoformat()}; "
            "for a later date, please contact us"
        )
    holds = [
        add_hold(
            customer.org,
            HoldKind.PROMISE,
            customer,
            invoice=inv,
            until=until,
            reason="promised from the portal",
            actor=actor(customer),
        )
        for inv in invoices
    ]
    confirm_promise(holds, today)
    _notify(
        customer,
        "promised",
        invoices,
        until=long_date(until, _locale(customer.org.language)),
    )
    return holds


@transaction.atomic
def propose_plan(customer, number: str, *, count: int, first: date, today: date):
    (invoice,) = _chosen(customer, [number])
    org = customer.org
    if org.portal_max_instalments < 2:
        raise ValidationError("payment plans are not offered here; please contact us")
    if not 2 <= count <= org.portal_max_instalments:
        raise ValidationError(
            f"a plan has 2 to {org.portal_max_instalments} instalments"
        )
    latest = today + timedelta(days=org.portal_max_promise_days)
    if not today <= first <= latest:
        raise ValidationError(
            f"the first instalment must fall between today and {latest.isoformat()}"
        )
    plan = create_plan(
        org,
        invoice,
        monthly_schedule(invoice.open_amount.amount, count, first),
        actor=actor(customer),
        reason="proposed from the portal",
    )
    confirm_plan(plan, today)
    _notify(customer, "plan_proposed", [invoice], count=count)
    return plan


def _locale(lang: str) -> str:
    return LOCALES[supported(lang)]


def team_addresses(customer) -> list[str]:
    """The account owner if there is one, else the admins and collectors."""
    owner = customer.account_owner
    if owner is not None and owner.email:
        return [owner.email]
    return sorted(
        {
            m.user.email
            for m in Membership.objects.filter(
                org_id=customer.org_id, role__in=SENDERS
            ).select_related("user")
            if m.user.email
        }
    )


def _notify(customer, kind: str, invoices: list[Invoice], **details) -> None:
    """An internal message to the team, in the organisation's language."""
    to = team_addresses(customer)
    if not to:
        return
    org = customer.org
    lang = supported(org.language)
    context = {
        "kind": kind,
        "customer": customer,
        "invoices": [
            {"number": inv.number, "open": format_money(inv.open_amount, LOCALES[lang])}
            for inv in invoices
        ],
        "customer_url": settings.RELANCE_PUBLIC_URL
        + reverse("customer", args=[customer.pk]),
        **details,
    }
    rendered = render_message("portal_notice", lang, context)
    internal_message(org, customer, to, rendered).save()
