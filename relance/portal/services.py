"""What a debtor can do from the portal: declare a payment, dispute an invoice,
promise a date, propose a payment plan. Each creates the record the engine
already honours (a hold or a plan), so reminders pause at once, and tells the
team by an internal message. Limits come from the organisation.

The link is public, so each answer is guarded: the same answer while the first
still holds is recorded once (AlreadyRecorded), a customer's links answer at
most MAX_ACTIONS_PER_DAY times a day (counted on the timeline, so it holds
across workers), a declared payment or a promise pauses an invoice once (after
that, a person decides), and a proof is read by its content."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from relance.comms.confirmations import confirm_plan, confirm_promise
from relance.comms.outbox import internal_message
from relance.comms.render import LOCALES, long_date, render_message, supported
from relance.core.money import format_money
from relance.dunning.holds import add_hold
from relance.dunning.models import Hold, HoldKind, PaymentPlan, PlanStatus
from relance.dunning.plans import create_plan, monthly_schedule
from relance.formats import pdf_safety
from relance.ledger import queries as ledger_queries
from relance.ledger.models import Customer, Invoice
from relance.orgs.models import SENDERS, Membership
from relance.timeline.models import Event
from relance.timeline.services import record

# A declared transfer is waited for this long before reminders resume: a SEPA
# transfer takes one to three business days, a cheque longer.
DECLARED_PAYMENT_DAYS = 10
MAX_PROOF_BYTES = 5 * 1024 * 1024
# What a proof may be, by its first bytes (a name says nothing).
PROOF_TYPES = {b"%PDF-": ".pdf", b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}
# More answers than this in a day is not a debtor answering a reminder.
MAX_ACTIONS_PER_DAY = 10
ANSWERED = "portal.answered"
DISPUTE_REASONS = {
    "not_received": gettext_lazy("I did not receive this invoice"),
    "wrong_amount": gettext_lazy("The amount is wrong"),
    "not_delivered": gettext_lazy("The order was not delivered"),
    "defect": gettext_lazy("The work or goods have a defect"),
    "other": gettext_lazy("Another reason"),
}


class AlreadyRecorded(ValidationError):
    """The same answer is on record and still holds: nothing new is done."""


class TooManyAnswers(ValidationError):
    """The customer's links have answered MAX_ACTIONS_PER_DAY times today."""


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
        raise ValidationError(gettext("Choose at least one invoice."))
    by_number = {inv.number: inv for inv in open_invoices(customer)}
    unknown = [n for n in numbers if n not in by_number]
    if unknown:
        raise ValidationError(
            gettext("This is not one of your open invoices: %(numbers)s.")
            % {"numbers": ", ".join(unknown)}
        )
    return [by_number[n] for n in numbers]


def _guard(customer) -> None:
    """One answer at a time for a customer (its row is locked until the answer
    is written), and no more than MAX_ACTIONS_PER_DAY a day."""
    Customer.objects.select_for_update().only("pk").get(pk=customer.pk)
    answered = Event.objects.filter(
        org_id=customer.org_id,
        customer_id=customer.pk,
        kind=ANSWERED,
        at__gte=timezone.now() - timedelta(days=1),
    ).count()
    if answered >= MAX_ACTIONS_PER_DAY:
        raise TooManyAnswers(
            gettext(
                "We have received too many answers from this link today; "
                "please try again tomorrow or contact us."
            )
        )


def _answered(customer, form: str, invoices: list[Invoice]) -> None:
    record(
        customer.org,
        ANSWERED,
        actor=actor(customer),
        customer_id=customer.pk,
        data={"form": form, "invoices": [inv.number for inv in invoices]},
    )


def _holds(kind: str, invoices: list[Invoice]) -> list[Hold]:
    return list(Hold.objects.filter(kind=kind, invoice__in=invoices))


def _holding(holds: list[Hold], today: date) -> set[int]:
    """The invoices among `holds` that one still holds today."""
    return {
        h.invoice_id
        for h in holds
        if h.ended_at is None and (h.until is None or h.until >= today)
    }


def _once(customer, holds: list[Hold], invoices: list[Invoice], today, spent: str):
    """The invoices a new time-bound hold from the portal may pause: not those
    already paused (AlreadyRecorded when that is all of them), and refused with
    `spent` for one the portal paused before and that ran out: pausing it again
    is for a person."""
    holding = _holding(holds, today)
    ran_out = {h.invoice_id for h in holds if h.created_by == actor(customer)}
    if ran_out := ran_out - holding:
        numbers = ", ".join(inv.number for inv in invoices if inv.pk in ran_out)
        raise ValidationError(spent % {"numbers": numbers})
    fresh = [inv for inv in invoices if inv.pk not in holding]
    if not fresh:
        raise AlreadyRecorded(
            gettext("This is already noted for %(numbers)s; thank you.")
            % {"numbers": ", ".join(inv.number for inv in invoices)}
        )
    return fresh


@transaction.atomic
def declare_payment(
    customer,
    numbers: list[str],
    *,
    paid_on: date,
    reference: str,
    today: date,
    proof: bytes | None = None,
):
    invoices = _chosen(customer, numbers)
    if paid_on > today:
        raise ValidationError(gettext("The payment date cannot be in the future."))
    if paid_on < today - timedelta(days=365):
        raise ValidationError(gettext("The payment date is more than a year ago."))
    suffix = _proof_suffix(proof) if proof is not None else ""
    _guard(customer)
    invoices = _once(
        customer,
        _holds(HoldKind.PAYMENT_PENDING, invoices),
        invoices,
        today,
        spent=gettext(
            "A payment was already declared for %(numbers)s and has not "
            "reached us; please contact us so that a person can look at it."
        ),
    )
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
    if proof is not None:  # named by its digest: nothing the debtor typed
        holds[0].proof.save(
            hashlib.sha256(proof).hexdigest() + suffix, ContentFile(proof)
        )
    _answered(customer, "declare", invoices)
    _notify(
        customer,
        "payment_declared",
        invoices,
        paid_on=long_date(paid_on, _locale(customer.org.language)),
        reference=reference,
        proof=proof is not None,
        wait_days=DECLARED_PAYMENT_DAYS,
    )
    return holds


def _proof_suffix(data: bytes) -> str:
    """The proof's type from its content; a PDF must also be a plain one."""
    if len(data) > MAX_PROOF_BYTES:
        raise ValidationError(gettext("The proof is larger than 5 MB."))
    suffix = next((s for magic, s in PROOF_TYPES.items() if data.startswith(magic)), "")
    if not suffix:
        raise ValidationError(gettext("The proof must be a PDF, PNG or JPEG file."))
    if suffix == ".pdf" and (danger := pdf_safety.danger(data)):
        raise ValidationError(
            gettext("The proof was refused: %(reason)s.") % {"reason": gettext(danger)}
        )
    return suffix


@transaction.atomic
def dispute(customer, number: str, *, reason: str, comment: str, today: date):
    (invoice,) = _chosen(customer, [number])
    if reason not in DISPUTE_REASONS:
        raise ValidationError(gettext("Choose a reason."))
    _guard(customer)
    if _holding(_holds(HoldKind.DISPUTE, [invoice]), today):
        raise AlreadyRecorded(
            gettext("Your dispute of %(number)s is already noted; we are on it.")
            % {"number": invoice.number}
        )
    hold = add_hold(
        customer.org,
        HoldKind.DISPUTE,
        customer,
        invoice=invoice,
        reason=f"{reason}: {comment}".strip(": "),
        actor=actor(customer),
    )
    _notify(customer, "disputed", [invoice], reason=reason, comment=comment)
    _answered(customer, "dispute", [invoice])
    return hold


@transaction.atomic
def promise(customer, numbers: list[str], *, until: date, today: date):
    invoices = _chosen(customer, numbers)
    latest = today + timedelta(days=customer.org.portal_max_promise_days)
    if not today <= until <= latest:
        raise ValidationError(
            gettext(
                "The date must be between today and %(latest)s; for a later "
                "date, please contact us."
            )
            % {"latest": _day(latest, customer)}
        )
    _guard(customer)
    invoices = _once(
        customer,
        _holds(HoldKind.PROMISE, invoices),
        invoices,
        today,
        spent=gettext(
            "A date was already promised for %(numbers)s and has passed; "
            "please contact us so that a person can look at it."
        ),
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
    _answered(customer, "promise", invoices)
    return holds


@transaction.atomic
def propose_plan(customer, number: str, *, count: int, first: date, today: date):
    (invoice,) = _chosen(customer, [number])
    org = customer.org
    if org.portal_max_instalments < 2:
        raise ValidationError(
            gettext("Payment plans are not offered here; please contact us.")
        )
    if not 2 <= count <= org.portal_max_instalments:
        raise ValidationError(
            gettext("A plan has 2 to %(count)d instalments.")
            % {"count": org.portal_max_instalments}
        )
    latest = today + timedelta(days=org.portal_max_promise_days)
    if not today <= first <= latest:
        raise ValidationError(
            gettext("The first instalment must fall between today and %(latest)s.")
            % {"latest": _day(latest, customer)}
        )
    _guard(customer)
    _plan_allowed(customer, invoice)
    plan = create_plan(
        org,
        invoice,
        monthly_schedule(invoice.open_amount.amount, count, first),
        actor=actor(customer),
        reason="proposed from the portal",
    )
    confirm_plan(plan, today)
    _notify(customer, "plan_proposed", [invoice], count=count)
    _answered(customer, "plan", [invoice])
    return plan


def _plan_allowed(customer, invoice) -> None:
    """One plan at a time; after a plan from the portal broke, a person."""
    plans = PaymentPlan.objects.filter(invoice=invoice)
    if plans.filter(status=PlanStatus.ACTIVE).exists():
        raise AlreadyRecorded(
            gettext("A payment plan for %(number)s is already in place.")
            % {"number": invoice.number}
        )
    if plans.filter(status=PlanStatus.BROKEN, created_by=actor(customer)).exists():
        raise ValidationError(
            gettext(
                "A payment plan for %(number)s was not kept; please contact us "
                "so that a person can look at it."
            )
            % {"number": invoice.number}
        )


def _locale(lang: str) -> str:
    return LOCALES[supported(lang)]


def _day(day: date, customer) -> str:
    """A date as the debtor reads it, in their language."""
    return long_date(day, _locale(customer.language))


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
