"""What the team does from a customer's page: pause, dispute, promise, block,
agree a payment plan, end any of them, and leave a note. Each goes through the
dunning services, so the record, its timeline event and its effect on the next
run are the same as from the command line or the portal."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.comms.confirmations import confirm_plan, confirm_promise
from relance.dunning.holds import add_hold, end_hold
from relance.dunning.models import Hold, HoldKind, PaymentPlan
from relance.dunning.plans import cancel_plan, create_plan, monthly_schedule
from relance.ledger.models import Customer, Invoice
from relance.orgs.models import org_today
from relance.timeline.services import record

from .access import NOTE_ROLES, SENDERS, member_required
from .views import mine

NOTE_MAX = 2000


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ValidationError(_("%(value)s is not a date.") % {"value": text}) from None


def _invoice(customer, number: str):
    if not number:
        return None
    found = Invoice.objects.filter(customer=customer, number=number).first()
    if found is None:
        raise ValidationError(
            _("No invoice %(number)s for this customer.") % {"number": number}
        )
    return found


@require_POST
@member_required(*SENDERS)
def hold_add(request, pk):
    customer = get_object_or_404(Customer, pk=pk, org=request.org)
    try:
        with transaction.atomic():  # the record and its confirmation, or neither
            _hold_or_plan(request, customer, request.POST)
        messages.success(request, _("Recorded: reminders follow it from now on."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("customer", pk=customer.pk)


def _hold_or_plan(request, customer, post) -> None:
    """A hold, or a payment plan; a promise or a plan is confirmed to the
    customer by email unless the form says not to."""
    kind = post.get("kind", "")
    confirm = post.get("confirm") == "1"
    invoice = _invoice(customer, post.get("invoice", "").strip())
    if kind == "payment_plan":
        if invoice is None:
            raise ValidationError(_("Choose the invoice the plan is for."))
        count = post.get("count", "")
        if not count.isdigit():
            raise ValidationError(_("Give the number of instalments."))
        first = _day(post.get("until", ""))
        if first is None:
            raise ValidationError(_("Give the date of the first instalment."))
        plan = create_plan(
            request.org,
            invoice,
            monthly_schedule(invoice.open_amount.amount, int(count), first),
            actor=request.user.email,
            reason=post.get("reason", "").strip(),
        )
        if confirm:
            confirm_plan(plan, org_today(request.org))
        return
    hold = add_hold(
        request.org,
        kind,
        customer,
        invoice=invoice,
        until=_day(post.get("until", "")),
        reason=post.get("reason", "").strip(),
        actor=request.user.email,
    )
    if confirm and hold.kind == HoldKind.PROMISE:
        confirm_promise([hold], org_today(request.org))


@require_POST
@member_required(*SENDERS)
def hold_end(request, pk):
    hold = get_object_or_404(Hold, pk=pk, org=request.org)
    try:
        end_hold(hold, actor=request.user.email, reason=request.POST.get("reason", ""))
        messages.success(request, _("Ended: reminders resume at the next run."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("customer", pk=hold.customer_id)


@require_POST
@member_required(*SENDERS)
def plan_cancel(request, pk):
    plan = get_object_or_404(PaymentPlan, pk=pk, org=request.org)
    try:
        cancel_plan(
            plan, actor=request.user.email, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Plan cancelled: the invoice is chased again."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("customer", pk=plan.customer_id)


@require_POST
@member_required(*NOTE_ROLES)
def note_add(request, pk):
    """A note on the customer's timeline: sales may comment on their customers."""
    customer = get_object_or_404(mine(request, Customer.objects, "pk"), pk=pk)
    text = request.POST.get("text", "").replace("\x00", "").strip()
    if not text:
        messages.error(request, _("The note is empty."))
    elif len(text) > NOTE_MAX:
        messages.error(
            request, _("A note holds at most %(n)d characters.") % {"n": NOTE_MAX}
        )
    else:
        record(
            request.org,
            "note.added",
            actor=request.user.email,
            customer_id=customer.pk,
            data={"text": text},
        )
        messages.success(request, _("Note added."))
    return redirect("customer", pk=customer.pk)
