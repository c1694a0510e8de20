"""The daily dunning run: load a snapshot, let the core plan, write the actions."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction

from relance import bulk
from relance.core.calendar import BusinessCalendar
from relance.core.gc_pause import paused_gc
from relance.core.penalties import (
    PRESCRIPTION_WARNING_DAYS,
    prescription_alert,
    prescription_date,
)
from relance.core.planner import PlannedAction, plan, send_at, thanks_due
from relance.core.policy import (
    DEFAULT_POLICY,
    MESSAGE_CHANNELS,
    Channel,
)
from relance.ledger.models import Customer, Invoice
from relance.ledger.queries import open_invoices
from relance.orgs.models import Organisation, org_today
from relance.timeline import checkpoints
from relance.timeline.services import NewEvent, record_many

from . import snapshot
from .holds import end_hold
from .models import Action, ActionInvoice, ActionStatus, Hold, HoldKind
from .policies import policies_for


def run_dunning(
    org: Organisation, today: date, *, dry_run: bool = False, actor="system"
):
    """The day's dunning: plan and record the actions (one transaction), then
    prepare what they send. Idempotent: a second run for the same date finds every
    step already recorded and creates nothing. A dry run writes nothing."""
    result = record_day(org, today, dry_run=dry_run, actor=actor)
    if not dry_run:
        prepare_outbox(org, actor)
        result["warnings"] += checkpoints.after_run(org)
    return result


def cancel_for_paid(org: Organisation, invoice_ids, actor: str) -> int:
    """Invoices just paid: cancel what was still waiting to go out about them (the
    send-time check would hold it too; this keeps the queues truthful)."""
    from relance.comms.models import MessageStatus, OutboundMessage

    waiting = [ActionStatus.APPROVAL, ActionStatus.QUEUED, ActionStatus.TODO]
    actions = (
        Action.objects.filter(
            org=org, status__in=waiting, invoices__in=list(invoice_ids)
        )
        .exclude(step="thank_you")
        .distinct()
        .prefetch_related("invoices")
    )
    done = [a for a in actions if all(i.is_paid for i in a.invoices.all())]
    if not done:
        return 0
    with transaction.atomic():
        Action.objects.filter(pk__in=[a.pk for a in done]).update(
            status=ActionStatus.CANCELLED
        )
        OutboundMessage.objects.filter(
            action__in=done, status__in=[MessageStatus.QUEUED, MessageStatus.HELD]
        ).update(status=MessageStatus.CANCELLED, status_reason="paid")
        record_many(
            org,
            [
                NewEvent(
                    "action.cancelled",
                    {"action": a.pk, "step": a.step, "reason": "paid"},
                    customer_id=a.customer_id,
                )
                for a in done
            ],
            actor=actor,
        )
    return len(done)


def end_pending_holds(org: Organisation, invoices, actor: str) -> None:
    """A declared payment ("already paid", a reply or the portal) that the
    ledger now shows: its hold has no reason left. A hold on the customer ends
    when nothing of it is open any more."""
    paid = [i.pk for i in invoices if i.is_paid]
    customers = {i.customer_id for i in invoices}
    still_owing = set(
        open_invoices(org)
        .filter(customer_id__in=customers)
        .values_list("customer_id", flat=True)
    )
    pending = Hold.objects.filter(
        org=org, kind=HoldKind.PAYMENT_PENDING, ended_at__isnull=True
    ).select_related("org")
    for hold in pending.filter(invoice_id__in=paid) | pending.filter(
        invoice__isnull=True, customer_id__in=customers - still_owing
    ):
        end_hold(hold, actor=actor, reason="paid: the payment is in the ledger")


def on_paid(
    org: Organisation, invoice_ids, actor: str, today: date | None = None
) -> dict:
    """Invoices just paid, whatever told us (bank line, review, imported file):
    say so on the timeline, cancel what still waited to go out about them, and
    plan the thank-you to customers who had been chased (one per customer,
    grouping its invoices), at the next office window. The daily run would plan
    it too; doing it now keeps the queues truthful the moment money arrives."""
    invoices = list(Invoice.objects.filter(org=org, pk__in=list(invoice_ids)))
    ids = [inv.pk for inv in invoices]
    record_many(
        org,
        [
            NewEvent("invoice.paid", {"number": inv.number}, inv.customer_id, inv.pk)
            for inv in invoices
        ],
        actor=actor,
    )
    cancelled = cancel_for_paid(org, ids, actor)
    end_pending_holds(org, invoices, actor)
    today = today or org_today(org)
    done: dict[int, set[str]] = {}
    last: dict[int, tuple[str, str]] = {}
    for inv, step, policy, segment in (
        ActionInvoice.objects.filter(invoice_id__in=ids, action__org=org)
        .exclude(action__status=ActionStatus.CANCELLED)
        .order_by("action__run_date", "action_id")
        .values_list("invoice_id", "step", "action__policy", "action__segment")
    ):
        done.setdefault(inv, set()).add(step)
        last[inv] = (policy, segment)
    policies = policies_for(org)
    groups: dict[tuple[int, str, str], list[int]] = {}
    for inv in invoices:
        policy_name, segment = last.get(inv.pk, ("default", ""))
        policy = policies.get(policy_name, DEFAULT_POLICY)
        if thanks_due(policy, done.get(inv.pk, ())):
            key = (inv.customer_id, policy.name, segment)
            groups.setdefault(key, []).append(inv.pk)
    if not groups:
        return {"cancelled": cancelled, "thanked": 0}
    calendar = BusinessCalendar(org.country)
    planned = [
        PlannedAction(
            customer_id=customer_id,
            step=policies[name].thank_you,
            invoice_ids=tuple(sorted(invs)),
            scheduled_at=send_at(
                policies[name].thank_you, today, calendar, org.timezone
            ),
            reason="paid after being chased",
            segment=segment,
            policy=name,
        )
        for (customer_id, name, segment), invs in groups.items()
    ]
    numbers = {inv.pk: inv.number for inv in invoices}
    written = written_out(planned, numbers)
    try:
        with transaction.atomic():
            # Serialised with the daily run, which writes actions the same way.
            Organisation.objects.select_for_update().get(pk=org.pk)
            actions = _write(org, today, planned, written, actor, run=False)
    except IntegrityError:
        return {"cancelled": cancelled, "thanked": 0}  # planned concurrently
    prepare_outbox(org, actor)
    return {"cancelled": cancelled, "thanked": len(actions)}


def prepare_outbox(org: Organisation, actor: str = "system") -> None:
    """Render the messages and letters of recorded actions that have none yet:
    today's, and any a crash left behind. Nothing is sent here: letters too go
    out from the outbox, at their planned instant."""
    from relance.comms.outbox import queue_letters, queue_messages, queue_owner_notices

    pending = Action.objects.filter(org=org, message__isnull=True).select_related(
        "customer__account_owner"
    )
    with transaction.atomic():
        queue_messages(
            org,
            list(
                pending.filter(
                    channel__in=MESSAGE_CHANNELS,
                    status__in=[ActionStatus.QUEUED, ActionStatus.APPROVAL],
                )
            ),
        )
        queue_owner_notices(
            org,
            list(
                pending.filter(
                    channel=Channel.PHONE,
                    status__in=[ActionStatus.TODO, ActionStatus.APPROVAL],
                    customer__account_owner__isnull=False,
                )
            ),
        )
    # A letter handed over before letters went through the outbox has its
    # document and no message: it is not prepared again.
    letters = pending.filter(
        channel=Channel.LETTER,
        status__in=[ActionStatus.TODO, ActionStatus.APPROVAL],
        document="",
    ).select_related("customer")
    queue_letters(org, list(letters), actor)


def record_day(org: Organisation, today: date, *, dry_run: bool, actor: str) -> dict:
    """Load, plan and write today's actions in one transaction."""
    policies = policies_for(org)
    # A million invoices make millions of small objects and no cyclic garbage:
    # the cyclic collector would rescan them all, again and again (the result's
    # hundred thousand dicts included, so it stays paused until they are built).
    with paused_gc():
        return _record_day(org, today, policies, dry_run=dry_run, actor=actor)


def _record_day(org, today, policies, *, dry_run: bool, actor: str) -> dict:
    from .holds import settle_expired_promises
    from .plans import settle_plans

    with transaction.atomic():
        # One run at a time per organisation: the row lock serialises them.
        Organisation.objects.select_for_update().get(pk=org.pk)
        if not dry_run:
            # A plan broken or completed by now no longer shields its invoice.
            settle_plans(org, today, actor)
        snap = snapshot.load(org, policies, today)
        result = plan(
            policies,
            snap.invoices,
            snap.customers,
            snap.history,
            today,
            BusinessCalendar(org.country),
            org.timezone,
            holds=snap.holds,
            bank_data_stale=snap.bank_data_stale,
            instalments=snap.instalments,
        )
        numbers = {i.id: i.number for i in snap.invoices}
        referenced = {i for a in result.actions for i in a.invoice_ids}
        referenced |= {s.invoice_id for s in result.skipped}
        if missing := referenced - numbers.keys():
            numbers.update(
                Invoice.objects.filter(pk__in=missing).values_list("pk", "number")
            )
        written = written_out(result.actions, numbers)
        if not dry_run:
            _write(org, today, result.actions, written, actor)
            settle_expired_promises(org, today, actor)
    customers = snap.customers
    return {
        "date": today.isoformat(),
        "dry_run": dry_run,
        "bank_data_stale": snap.bank_data_stale,
        "warnings": prescription_warnings(org, today)
        + defect_warnings(
            snap, [i for a in result.actions for i in a.invoice_ids], numbers
        ),
        "actions": [
            {
                "customer": customers[a.customer_id].ref,
                "step": a.step.key,
                "channel": str(a.step.channel),
                "tone": str(a.step.tone),
                "segment": a.segment,
                "policy": a.policy,
                "needs_approval": a.needs_approval,
                "invoices": invoices,
                **({"instalment": a.instalment} if a.instalment else {}),
                "scheduled_at": scheduled_at,
                "reason": a.reason,
            }
            for a, (invoices, scheduled_at) in zip(result.actions, written, strict=True)
        ],
        "skipped": [
            {"invoice": numbers[s.invoice_id], "step": s.step_key, "reason": s.reason}
            for s in result.skipped
        ],
    }


def defect_warnings(snap, invoice_ids, numbers) -> list[dict]:
    """Invoices chased today whose defects weaken the claim (see core.compliance),
    from the snapshot: no second pass over the ledger."""
    if not snap.defects:
        return []
    invoice_customer = {
        i.id: i.customer_id for i in snap.invoices if i.id in snap.defects
    }
    rows = sorted(
        (numbers[i], snap.customers[invoice_customer[i]].ref, snap.defects[i])
        for i in set(invoice_ids)
        if i in snap.defects
    )
    return [
        {
            "invoice": number,
            "customer": ref,
            "reason": "invoice_defect",
            "defects": codes,
        }
        for number, ref, codes in rows
    ]


def prescription_warnings(org, today: date) -> list[dict]:
    """Open invoices about to become (or already) time-barred."""
    # Claims two years old can only concern consumers; five, businesses.
    two_years_ago = today - timedelta(days=731)  # at least two years, leap or not
    oldest_due = two_years_ago + timedelta(days=PRESCRIPTION_WARNING_DAYS + 1)
    rows = (
        open_invoices(org)
        .filter(due_date__lte=oldest_due)
        .values_list("number", "due_date", "customer__ref", "customer__kind")
        .order_by("due_date", "number")
    )
    out = []
    for number, due, ref, kind in rows:
        alert = prescription_alert(due, kind == "b2c", today)
        if alert:
            out.append(
                {
                    "invoice": number,
                    "customer": ref,
                    "reason": alert,
                    "prescription": prescription_date(due, kind == "b2c").isoformat(),
                }
            )
    return out


def written_out(planned, numbers) -> list[tuple[list[str], str]]:
    """Each action's invoice numbers and send instant as text, made once for its
    timeline event and for the run's result (a hundred thousand of each on a
    large ledger; the actions share a few instants, all in the organisation's
    time zone)."""
    stamps = {at: at.isoformat() for at in {p.scheduled_at for p in planned}}
    return [
        (list(map(numbers.__getitem__, p.invoice_ids)), stamps[p.scheduled_at])
        for p in planned
    ]


def _status(planned) -> str:
    if planned.needs_approval:
        return ActionStatus.APPROVAL
    if planned.step.channel in MESSAGE_CHANNELS:
        return ActionStatus.QUEUED
    return ActionStatus.TODO


def _write(org, today, planned, written, actor, run: bool = True) -> list[int]:
    """Write the planned actions, their invoices and their timeline events
    (`written`: each action's written_out); the new actions' ids, in the order
    of `planned`. Plain INSERTs: at a hundred thousand actions the ORM's objects
    cost more than the writes."""
    before = bulk.last_id(Action)
    at = {}  # few distinct send instants: prepare each once
    day = bulk.prepared(Action, "run_date", today)  # not an adapter call per row
    bulk.insert(
        Action,
        [
            "org_id",
            "customer_id",
            "step",
            "channel",
            "tone",
            "template",
            "policy",
            "segment",
            "instalment",
            "run_date",
            "scheduled_at",
            "status",
            "reason",
        ],
        (
            (
                org.pk,
                p.customer_id,
                p.step.key,
                str(p.step.channel),
                str(p.step.tone),
                p.step.template,
                p.policy,
                p.segment,
                p.instalment,
                day,
                at.get(p.scheduled_at)
                or at.setdefault(
                    p.scheduled_at,
                    bulk.prepared(Action, "scheduled_at", p.scheduled_at),
                ),
                str(_status(p)),
                p.reason[:500],
            )
            for p in planned
        ),
    )
    # One run at a time per organisation (the caller holds its row lock), and
    # one action per customer, step and instalment in a run: that key finds them.
    new = bulk.ids_after(
        Action, before, ("customer_id", "step", "instalment"), org=org, run_date=today
    )
    ids = [new[(p.customer_id, p.step.key, p.instalment)] for p in planned]
    bulk.insert(  # the largest write of a run
        ActionInvoice,
        ["action_id", "invoice_id", "step", "run_date"],
        (
            (pk, i, key, day)
            for pk, p in zip(ids, planned, strict=True)
            for i, key in p.history_keys()
        ),
    )
    events = [
        NewEvent(
            "action.planned",
            {
                "action": pk,
                "step": p.step.key,
                "channel": p.step.channel,
                "invoices": invoices,
                "scheduled_at": scheduled_at,
                "reason": p.reason,
                "segment": p.segment,
                "needs_approval": p.needs_approval,
            },
            customer_id=p.customer_id,
        )
        for pk, p, (invoices, scheduled_at) in zip(ids, planned, written, strict=True)
    ]
    if run:
        events.append(NewEvent("dunning.run", {"date": today, "actions": len(ids)}))
    record_many(org, events, actor=actor)
    return ids


def summary(org: Organisation, today: date, actions: list[dict]) -> dict:
    """Counts by step and channel, the overdue total and the aging buckets."""
    from relance.ledger.queries import aging_totals

    by_step: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for a in actions:
        by_step[a["step"]] = by_step.get(a["step"], 0) + 1
        by_channel[a["channel"]] = by_channel.get(a["channel"], 0) + 1
    aging = aging_totals(org, today)
    return {
        "actions_by_step": by_step,
        "actions_by_channel": by_channel,
        "customers": Customer.objects.filter(org=org).count(),
        "invoices": Invoice.objects.filter(org=org).count(),
        **aging,
    }
