from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy
from django.views.decorators.http import require_POST

from relance.comms.models import OutboundMessage
from relance.dunning.calls import OUTCOMES, record_call
from relance.dunning.models import (
    Action,
    ActionStatus,
    Hold,
    HoldKind,
)
from relance.dunning.tasks import run_dunning_task
from relance.formats.tabular import parse_decimal
from relance.ledger.bank import (
    apply_review,
    dismiss_line,
    review_candidates,
    review_queue,
)
from relance.ledger.indicators import (
    days_sales_outstanding,
    overdue_trend,
    top_overdue_customers,
)
from relance.ledger.models import BankLine, Customer, Invoice
from relance.ledger.queries import aging_totals, open_invoices
from relance.ledger.visibility import visible
from relance.ops.health import notice as ops_notice
from relance.orgs.middleware import SESSION_KEY
from relance.orgs.models import Role, org_today
from relance.stored_files import download_name, inside
from relance.timeline.models import Event

from . import params
from .access import NOTE_ROLES, SENDERS, member_required

# What the team records from a customer's page (a declared payment comes from
# the debtor, through the portal).
TEAM_HOLDS = ("disputed", "promised", "paused", "blocked", "payment_plan")
SORTS = {
    "age": "due_date",  # oldest due date first = most days late first
    "-age": "-due_date",
    "amount": "open",
    "-amount": "-open",
}


def mine(request, qs, customer: str = "customer"):
    """The rows of `qs` the signed-in member may see (ledger.visibility)."""
    return visible(qs.all(), request.membership, customer)


@member_required()
def dashboard(request):
    """Every figure and list is what the member may see: a sales member's
    customers only (ledger.visibility)."""
    org, member = request.org, request.membership
    today = org_today(org)
    totals = aging_totals(org, today, membership=member)
    receivables = Decimal(totals["upcoming"]["amount"]) + Decimal(
        totals["overdue"]["amount"]
    )
    trend = overdue_trend(org, today, membership=member)
    outgoing = mine(request, OutboundMessage.objects)
    actions = mine(request, Action.objects)
    return render(
        request,
        "web/dashboard.html",
        {
            "today": today,
            "totals": totals,
            "buckets": [(k, totals["aging"][k]) for k in totals["aging"]],
            "queued": outgoing.filter(status="queued").count(),
            "todo": actions.filter(status=ActionStatus.TODO).count(),
            "to_approve": actions.filter(status=ActionStatus.APPROVAL).count(),
            "uncertain": outgoing.filter(status="uncertain").count(),
            # Bank lines belong to no customer yet: for those who match them.
            "to_review": review_queue(org).count() if member.can_send else 0,
            "can_run": member.can_send,
            "trend": _bars(trend),
            "dso": days_sales_outstanding(org, today, receivables, membership=member),
            "top": top_overdue_customers(mine(request, open_invoices(org)), today),
            **_rates_missing(request, today),
            # What is late in the worker's daily cycle, for administrators.
            "ops_late": ops_notice(org) if member.role == Role.ADMIN else [],
        },
    )


def _rates_missing(request, today) -> dict:
    """For administrators, from 1 January and 1 July until the half-year's rates
    are in the table: what is missing (the dashboard's banner)."""
    from relance.core.rates import semester_label
    from relance.legal.services import rate_table

    if request.membership.role != Role.ADMIN:
        return {}
    return {
        "rates_missing": rate_table().missing_for(today),
        "rates_half_year": semester_label(today),
    }


def _bars(points: list[dict]) -> dict:
    """The trend chart: one bar per month end in a 100-unit-wide slot, its
    height in percent of the highest (a 120-high box, 10 of margin above)."""
    high = max((p["amount"] for p in points), default=0) or 1
    bars = []
    for i, p in enumerate(points):
        height = round(float(max(p["amount"], 0) * 100 / high), 1)
        bars.append({**p, "x": i * 100 + 20, "y": 110 - height, "height": height})
    return {"bars": bars, "width": len(points) * 100}


@member_required()
def overdue(request):
    org = request.org
    sort = request.GET.get("sort", "age")
    if sort not in SORTS:
        sort = "age"
    qs = (
        mine(request, open_invoices(org))
        .filter(due_date__lt=org_today(org))
        .select_related("customer")
        .order_by(SORTS[sort], "number")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    today = org_today(org)
    for inv in page:
        inv.days_late = (today - inv.due_date).days
    return render(request, "web/overdue.html", {"page": page, "sort": sort})


@member_required()
def customer_detail(request, pk):
    from relance.dunning.outlook import customer_outlook

    customer = get_object_or_404(mine(request, Customer.objects, "pk"), pk=pk)
    today = org_today(request.org)
    invoices = list(customer.invoices.order_by("-due_date"))
    for inv in invoices:
        inv.days_late = (today - inv.due_date).days
    outlook = customer_outlook(request.org, customer, invoices, today)
    return render(
        request,
        "web/customer.html",
        {
            "statement": _statement_or_none(request.org, customer, today),
            "can_send": request.membership.can_send,
            "can_note": request.membership.role in NOTE_ROLES,
            "customer": customer,
            "invoices": invoices,
            "open_invoices": [i for i in invoices if not i.is_paid],
            "outlook": outlook,
            "contacts": customer.contacts.all(),
            "holds": outlook.holds,
            "plans": outlook.plans,
            "hold_kinds": [
                (k, label) for k, label in HoldKind.choices if k in TEAM_HOLDS
            ],
            "today": today,
            "events": Event.objects.filter(
                org=request.org, customer_id=customer.pk
            ).order_by("-seq")[:200],
            "actions": Action.objects.filter(
                org=request.org, customer=customer
            ).prefetch_related("invoices")[:50],
        },
    )


@member_required()
def hold_proof(request, pk):
    """The receipt a debtor sent with a declared payment."""
    hold = get_object_or_404(mine(request, Hold.objects), pk=pk)
    if not hold.proof:
        raise Http404("no receipt with this hold")
    return FileResponse(hold.proof.open("rb"), as_attachment=True)


def _statement_or_none(org, customer, today):
    from relance.core.rates import MissingRate
    from relance.legal.documents import customer_statement

    try:
        return customer_statement(org, customer, today)
    except MissingRate:
        return None


@member_required()
def customer_list(request):
    qs = mine(request, Customer.objects, "pk")
    if q := request.GET.get("q", "").strip():
        qs = qs.filter(name__icontains=q) | qs.filter(ref__icontains=q)
    page = Paginator(qs.order_by("name"), 50).get_page(request.GET.get("page"))
    return render(request, "web/customers.html", {"page": page, "q": q})


@member_required()
def invoice_detail(request, pk):
    invoice = get_object_or_404(
        mine(request, Invoice.objects.select_related("customer")), pk=pk
    )
    today = org_today(request.org)
    statement = _statement_or_none(request.org, invoice.customer, today)
    line = None
    if statement:
        line = next(
            (x for x in statement.lines if x.invoice.number == invoice.number), None
        )
    return render(
        request,
        "web/invoice.html",
        {
            "line": line,
            "interest_until": statement.interest_until if statement else None,
            "invoice": invoice,
            "allocations": invoice.allocations.select_related("payment"),
            # The letters generated about it (registered letter, formal notice).
            "letters": Action.objects.filter(invoices=invoice)
            .exclude(document="")
            .order_by("run_date", "pk"),
            "events": Event.objects.filter(
                org=request.org, invoice_id=invoice.pk
            ).order_by("-seq"),
        },
    )


@member_required()
def invoice_document(request, pk):
    """The invoice's own PDF, as imported or attached."""
    invoice = get_object_or_404(mine(request, Invoice.objects), pk=pk)
    if not invoice.document:
        raise Http404("no document for this invoice")
    return FileResponse(invoice.document.open("rb"), as_attachment=True)


@member_required()
def outbox(request):
    from relance.comms.services import RESOLUTIONS

    status = request.GET.get("status", "")
    qs = mine(request, OutboundMessage.objects.select_related("customer"))
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    # Uncertain or held messages can be decided together (outbox_resolve).
    bulk = RESOLUTIONS.get(status, ()) if request.membership.can_send else ()
    return render(
        request,
        "web/outbox.html",
        {"page": page, "status": status, "decisions": bulk},
    )


@member_required()
def message_detail(request, pk):
    from relance.comms.services import decisions

    message = get_object_or_404(
        mine(request, OutboundMessage.objects.select_related("customer", "action")),
        pk=pk,
    )
    allowed = decisions(message) if request.membership.can_send else ()
    return render(
        request, "web/message.html", {"message": message, "decisions": allowed}
    )


@require_POST
@member_required(*SENDERS)
def message_resolve(request, pk):
    """A person settles an uncertain or held message (comms.services.resolve)."""
    from relance.comms.services import resolve

    message = get_object_or_404(OutboundMessage, pk=pk, org=request.org)
    try:
        resolve(message, request.POST.get("decision", ""), request.user.email)
        messages.success(request, _("Decision recorded on the timeline."))
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("message", pk=message.pk)


DECIDED = {  # what a person decided for several messages, said back to them
    "sent": ngettext_lazy(
        "%(n)s message marked as delivered, recorded on the timeline.",
        "%(n)s messages marked as delivered, recorded on the timeline.",
        "n",
    ),
    "resend": ngettext_lazy(
        "%(n)s message will be sent again, recorded on the timeline.",
        "%(n)s messages will be sent again, recorded on the timeline.",
        "n",
    ),
    "cancel": ngettext_lazy(
        "%(n)s message will not be sent, recorded on the timeline.",
        "%(n)s messages will not be sent, recorded on the timeline.",
        "n",
    ),
}


@require_POST
@member_required(*SENDERS)
def outbox_resolve(request):
    """One decision for the selected uncertain or held messages, or for all of
    them; each written on the timeline (comms.services.resolve_many)."""
    from relance.comms.services import RESOLUTIONS, resolve_many

    status = request.POST.get("status", "")
    qs = mine(request, OutboundMessage.objects.select_related("org", "action"))
    qs = qs.filter(status=status) if status in RESOLUTIONS else qs.none()
    if not request.POST.get("all"):
        ids = [i for i in request.POST.getlist("ids") if i.isdigit()]
        qs = qs.filter(pk__in=ids)
    decision = request.POST.get("decision", "")
    result = resolve_many(qs.order_by("pk"), decision, request.user.email)
    done, refused = len(result["resolved"]), len(result["refused"])
    if done:
        messages.success(request, DECIDED[decision] % {"n": done})
    if refused:
        messages.error(
            request,
            ngettext(
                "%(n)s message could not take this decision (settled meanwhile, "
                "or waiting for an approval).",
                "%(n)s messages could not take this decision (settled meanwhile, "
                "or waiting for an approval).",
                refused,
            )
            % {"n": refused},
        )
    if not done and not refused:
        messages.error(request, _("Select at least one message."))
    return redirect(f"{reverse('outbox')}?status={status}")


DOCUMENTS = {
    "registered_letter": "lettre-recommandee",
    "formal_notice": "mise-en-demeure",
    "court_file": "injonction-de-payer",
}


@require_POST
@member_required(*SENDERS)
def customer_document(request, pk, kind):
    """Generate a letter or the court file, keep it, and hand it to the browser."""
    from relance.core.rates import MissingRate
    from relance.legal.documents import make_court_file, make_letter

    customer = get_object_or_404(Customer, pk=pk, org=request.org)
    if kind not in DOCUMENTS:
        raise Http404
    today = org_today(request.org)
    actor = request.user.email
    try:
        if kind == "court_file":
            pdf, *_ = make_court_file(request.org, customer, today, actor)
        else:
            pdf, *_ = make_letter(request.org, customer, kind, today, actor)
    except (ValidationError, MissingRate) as exc:
        messages.error(request, getattr(exc, "messages", [str(exc)])[0])
        return redirect("customer", pk=customer.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{download_name(DOCUMENTS[kind], customer.ref, today.isoformat())}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@member_required()
def action_detail(request, pk):
    from relance.dunning.callsheet import call_sheet

    action = get_object_or_404(
        mine(request, Action.objects.select_related("customer", "org")), pk=pk
    )
    sheet = call_sheet(action) if action.channel == "phone" else None
    can_record = (
        sheet is not None
        and action.status == ActionStatus.TODO
        and request.membership.role in SENDERS
    )
    return render(
        request,
        "web/action.html",
        {
            "action": action,
            "sheet": sheet,
            "outcomes": OUTCOMES.items() if can_record else (),
            "outcome_label": OUTCOMES.get(action.outcome, ""),
        },
    )


@require_POST
@member_required(*SENDERS)
def call_record(request, pk):
    action = get_object_or_404(Action, pk=pk, org=request.org)
    post = request.POST
    try:
        promised_on = post.get("until") or None
        amount = post.get("amount", "").strip()
        record_call(
            action,
            post.get("outcome", ""),
            actor=request.user.email,
            note=post.get("note", "")[:1000],
            promised_on=date.fromisoformat(promised_on) if promised_on else None,
            amount=parse_decimal(amount) if amount else None,
            confirm=post.get("confirm") == "1",
        )
        messages.success(request, _("Call recorded."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    except ValueError:
        messages.error(request, _("Check the date and the amount."))
    return redirect("action", pk=action.pk)


@member_required(*SENDERS)
def approvals_queue(request):
    waiting = (
        Action.objects.filter(org=request.org, status=ActionStatus.APPROVAL)
        .select_related("customer")
        .prefetch_related("invoices")
        .order_by("scheduled_at", "pk")
    )
    messages_by_action = {
        m.action_id: m for m in OutboundMessage.objects.filter(action__in=waiting)
    }
    rows = [(a, messages_by_action.get(a.pk)) for a in waiting]
    return render(request, "web/approvals.html", {"rows": rows})


@require_POST
@member_required(*SENDERS)
def approval_decide(request, pk):
    from relance.dunning import approvals

    action = get_object_or_404(Action, pk=pk, org=request.org)
    decision = request.POST.get("decision")
    actor = request.user.email
    try:
        if decision == "approve":
            if "subject" in request.POST:
                approvals.edit_message(
                    action,
                    subject=request.POST["subject"],
                    body=request.POST.get("body", ""),
                    actor=actor,
                )
            approvals.approve(action, actor=actor)
            messages.success(request, _("Approved."))
        elif decision == "skip":
            approvals.skip(action, actor=actor, reason=request.POST.get("reason", ""))
            messages.success(request, _("Skipped."))
        else:
            return HttpResponse(status=400)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("approvals")


@member_required()
def action_document(request, pk):
    action = get_object_or_404(mine(request, Action.objects), pk=pk)
    if not action.document:
        raise Http404
    path = inside(Path(settings.MEDIA_ROOT), action.document)
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@require_POST
@member_required(*SENDERS)
def run_today(request):
    org = request.org
    result = run_dunning_task.enqueue(
        org.pk, org_today(org).isoformat(), request.user.email
    )
    if result.is_finished:
        count = len(result.return_value["actions"])
        messages.success(
            request, _("Dunning run done: %(n)d new action(s).") % {"n": count}
        )
    else:
        messages.info(request, _("Dunning run queued."))
    return redirect("dashboard")


@require_POST
@member_required()
def switch_org(request):
    wanted = params.positive_id(request.POST, "org")
    if any(m.org_id == wanted for m in request.memberships):
        request.session[SESSION_KEY] = wanted
    return redirect("dashboard")


@member_required(*SENDERS)
def bank_review(request):

    page = Paginator(review_queue(request.org).select_related("payment"), 20).get_page(
        request.GET.get("page")
    )
    rows = []
    for line in page:
        offered = review_candidates(line)
        ticked = [i for i in offered if i.number in line.candidates]
        rows.append(
            {
                "line": line,
                "candidates": offered,
                "open_total": sum(i.total - i.amount_paid for i in offered),
                "ticked_total": sum(i.total - i.amount_paid for i in ticked),
            }
        )
    return render(request, "web/bank_review.html", {"page": page, "rows": rows})


@require_POST
@member_required(*SENDERS)
def bank_review_decide(request, pk):

    line = get_object_or_404(BankLine, pk=pk, org=request.org)
    decision = request.POST.get("decision")
    actor = request.user.email
    try:
        if decision == "apply":
            numbers = request.POST.getlist("invoice")
            typed = request.POST.get("numbers", "")
            numbers += [n for n in typed.replace(";", ",").split(",") if n.strip()]
            done = apply_review(request.org, line, [n.strip() for n in numbers], actor)
            messages.success(
                request,
                _("Payment applied to %(invoices)s.")
                % {"invoices": ", ".join(done["allocated"])},
            )
        elif decision == "dismiss":
            dismiss_line(request.org, line, actor, request.POST.get("reason", ""))
            messages.success(request, _("Marked as not a customer payment."))
        else:
            return HttpResponse(status=400)
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("bank_review")
