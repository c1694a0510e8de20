from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.dunning import approvals
from relance.dunning.calls import OUTCOMES, record_call
from relance.dunning.models import Action, ActionStatus
from relance.formats.tabular import parse_decimal
from relance.output import emit, organisation_option, parse_day


def _action_json(a: Action) -> dict:
    return {
        "id": a.pk,
        "customer": a.customer.ref,
        "step": a.step,
        "channel": a.channel,
        "status": a.status,
        "segment": a.segment,
        "run_date": a.run_date.isoformat(),
        "scheduled_at": a.scheduled_at.isoformat(),
        "reason": a.reason,
        "outcome": a.outcome,
        "invoices": [i.number for i in a.invoices.all()],
    }


class Command(BaseCommand):
    help = (
        "List dunning actions; approve or skip the ones awaiting approval; "
        "record what a call gave."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list")
        listing.add_argument("--status", choices=ActionStatus.values)
        approve = sub.add_parser("approve")
        approve.add_argument("id", type=int)
        skip = sub.add_parser("skip")
        skip.add_argument("id", type=int)
        skip.add_argument("--reason", default="")
        call = sub.add_parser("call", help="record the outcome of a call")
        call.add_argument("id", type=int)
        call.add_argument("--outcome", required=True, choices=list(OUTCOMES))
        call.add_argument("--until", help="promised payment date, YYYY-MM-DD")
        call.add_argument("--amount", help="promised amount")
        call.add_argument("--note", default="")
        call.add_argument(
            "--no-confirmation",
            action="store_true",
            help="do not confirm a promise to the customer by email",
        )
        for p in (listing, approve, skip, call):
            p.add_argument("--org", required=True)
            p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **o):
        org = organisation_option(o["org"])
        qs = (
            Action.objects.filter(org=org)
            .select_related("customer", "org")
            .prefetch_related("invoices")
        )
        if action == "list":
            if o["status"]:
                qs = qs.filter(status=o["status"])
            rows = [_action_json(a) for a in qs]
            text = "\n".join(
                f"{r['id']:>6} {r['run_date']} {r['status']:<9} {r['step']:<18} "
                f"{r['customer']}: {', '.join(r['invoices'])}"
                for r in rows
            )
            return emit(self, rows, o["json"], text or "no action")
        target = qs.filter(pk=o["id"]).first()
        if target is None:
            raise CommandError(f"no action {o['id']} in {org.slug}")
        try:
            if action == "call":
                until = o["until"]
                record_call(
                    target,
                    o["outcome"],
                    actor="cli",
                    note=o["note"],
                    promised_on=parse_day(until, "--until") if until else None,
                    amount=_amount(o["amount"]),
                    confirm=not o["no_confirmation"],
                )
            elif action == "approve":
                approvals.approve(target, actor="cli")
            else:
                approvals.skip(target, actor="cli", reason=o["reason"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        target.refresh_from_db()
        emit(
            self,
            _action_json(target),
            o["json"],
            f"action {target.pk}: {target.status}",
        )


def _amount(text):
    if not text:
        return None
    try:
        return parse_decimal(text)
    except ValueError:
        raise CommandError(f"--amount must be a number, got {text!r}") from None
