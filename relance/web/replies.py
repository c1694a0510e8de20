"""The work that comes back: customers' replies waiting for a person to confirm
how relance read them, and the tasks no policy plans (an address the mail
server refused). Senders only; everything filtered by the member's organisation."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.comms.addresses import clear_failing
from relance.comms.inbox import DECISIONS, decide
from relance.comms.models import Reply, ReplyKind, ReplyStatus
from relance.dunning.models import Task, TaskKind
from relance.ledger.models import Contact

from .access import SENDERS, member_required

KIND_CHOICES = [(k, label) for k, label in ReplyKind.choices if k != "bounce"]


@member_required(*SENDERS)
def reply_list(request):
    waiting = (
        Reply.objects.filter(org=request.org, status=ReplyStatus.TO_CONFIRM)
        .select_related("customer", "hold", "hold__invoice")
        .order_by("received_at", "pk")
    )
    tasks = (
        Task.objects.filter(org=request.org, done_at__isnull=True)
        .exclude(kind=TaskKind.REPLY)
        .select_related("customer")
    )
    return render(
        request,
        "web/replies.html",
        {"replies": waiting, "tasks": tasks, "kinds": KIND_CHOICES},
    )


@require_POST
@member_required(*SENDERS)
def reply_decide(request, pk):
    reply = get_object_or_404(Reply, pk=pk, org=request.org)
    decision = request.POST.get("decision", "")
    if decision == "correct":
        decision = request.POST.get("kind", "")
    if decision not in DECISIONS:
        messages.error(request, _("Choose what the reply says."))
        return redirect("replies")
    try:
        decide(reply, decision, actor=request.user.email)
    except ValueError:
        messages.error(request, _("This reply was already decided."))
        return redirect("replies")
    messages.success(request, _("Reply recorded."))
    return redirect("replies")


@require_POST
@member_required(*SENDERS)
def task_done(request, pk):
    task = get_object_or_404(Task, pk=pk, org=request.org, done_at__isnull=True)
    if task.kind == TaskKind.ADDRESS_FAILING:
        # Checked or corrected elsewhere: reminders may use the address again.
        contact = Contact.objects.filter(
            org=request.org, pk=task.data.get("contact")
        ).first()
        if contact is not None:
            clear_failing(contact, actor=request.user.email)
    Task.objects.filter(pk=task.pk).update(
        done_at=timezone.now(), done_by=request.user.email
    )
    messages.success(request, _("Task done."))
    return redirect("replies")
