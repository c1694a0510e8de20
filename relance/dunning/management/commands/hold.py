from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from relance.comms.confirmations import confirm_promise
from relance.dunning.holds import add_hold, end_hold
from relance.dunning.models import Hold, HoldKind
from relance.ledger.models import Customer, Invoice
from relance.orgs.models import org_today
from relance.orgs.services import organisation_by_slug
from relance.output import emit


def _hold_json(h: Hold) -> dict:
    return {
        "id": h.pk,
        "kind": h.kind,
        "customer": h.customer.ref,
        "invoice": h.invoice.number if h.invoice else None,
        "until": h.until.isoformat() if h.until else None,
        "reason": h.reason,
        "created_by": h.created_by,
        "created_at": h.created_at.isoformat(),
        "ended_at": h.ended_at.isoformat() if h.ended_at else None,
        "end_reason": h.end_reason,
    }


class Command(BaseCommand):
    help = (
        "Pause reminders: disputes, promises to pay, pauses, blocks, declared payments."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="put a hold on an invoice or a customer")
        add.add_argument("kind", choices=HoldKind.values)
        add.add_argument("--customer", help="customer reference")
        add.add_argument("--invoice", help="invoice number (its customer is implied)")
        add.add_argument("--until", help="last day of the hold, YYYY-MM-DD")
        add.add_argument("--reason", default="")
        add.add_argument(
            "--no-confirmation",
            action="store_true",
            help="do not confirm a promise to the customer by email",
        )
        end = sub.add_parser("end", help="end a hold")
        end.add_argument("id", type=int)
        end.add_argument("--reason", default="")
        listing = sub.add_parser("list", help="holds in force (--all: ended ones too)")
        listing.add_argument("--all", action="store_true")
        for p in (add, end, listing):
            p.add_argument("--org", required=True)
            p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **o):
        try:
            org = organisation_by_slug(o["org"])
            if action == "list":
                holds = Hold.objects.filter(org=org).select_related(
                    "customer", "invoice"
                )
                if not o["all"]:
                    holds = holds.filter(ended_at__isnull=True)
                rows = [_hold_json(h) for h in holds]
                text = (
                    "\n".join(
                        f"{r['id']:>5} {r['kind']:<16} {r['customer']:<10} "
                        f"{r['invoice'] or '':<12} until {r['until'] or '-'}  "
                        f"{r['reason']}"
                        for r in rows
                    )
                    or "no hold in force"
                )
                return emit(self, rows, o["json"], text)
            if action == "end":
                hold = Hold.objects.filter(org=org, pk=o["id"]).first()
                if hold is None:
                    raise CommandError(f"no hold {o['id']} in {org.slug}")
                hold = end_hold(hold, actor="cli", reason=o["reason"])
                return emit(self, _hold_json(hold), o["json"], f"hold {hold.pk} ended")
            invoice = customer = None
            if o["invoice"]:
                invoice = Invoice.objects.filter(org=org, number=o["invoice"]).first()
                if invoice is None:
                    raise CommandError(f"no invoice {o['invoice']!r} in {org.slug}")
                customer = invoice.customer
            if o["customer"]:
                customer = Customer.objects.filter(org=org, ref=o["customer"]).first()
                if customer is None:
                    raise CommandError(f"no customer {o['customer']!r} in {org.slug}")
            if customer is None:
                raise CommandError("give --customer or --invoice")
            try:
                until = date.fromisoformat(o["until"]) if o["until"] else None
            except ValueError:
                raise CommandError(
                    f"--until must be YYYY-MM-DD, got {o['until']!r}"
                ) from None
            with transaction.atomic():
                hold = add_hold(
                    org,
                    o["kind"],
                    customer,
                    invoice=invoice,
                    until=until,
                    reason=o["reason"],
                    actor="cli",
                )
                if hold.kind == HoldKind.PROMISE and not o["no_confirmation"]:
                    confirm_promise([hold], org_today(org))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        emit(self, _hold_json(hold), o["json"], f"hold {hold.pk} added")
