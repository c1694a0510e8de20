from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from relance.comms.confirmations import confirm_plan
from relance.dunning.models import PaymentPlan
from relance.dunning.plans import balances, create_plan
from relance.ledger.models import Invoice
from relance.orgs.models import org_today
from relance.output import emit, organisation_option


def _plan_json(plan: PaymentPlan) -> dict:
    return {
        "id": plan.pk,
        "invoice": plan.invoice.number,
        "customer": plan.customer.ref,
        "status": plan.status,
        "instalments": [
            {
                "number": i.number,
                "due": i.due_date.isoformat(),
                "amount": str(i.amount),
                "open": str(open_),
            }
            for i, open_ in balances(plan, plan.invoice.amount_paid)
        ],
    }


def _instalment(text: str) -> tuple[date, Decimal]:
    day, sep, amount = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return date.fromisoformat(day), Decimal(amount.replace(",", "."))
    except (ValueError, InvalidOperation):
        raise CommandError(
            f"--instalment: expected YYYY-MM-DD:AMOUNT, got {text!r}"
        ) from None


class Command(BaseCommand):
    help = "Payment plans: instalments chased instead of the invoice."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="agree a payment plan for an invoice")
        add.add_argument("--invoice", required=True)
        add.add_argument(
            "--instalment", action="append", required=True, metavar="YYYY-MM-DD:AMOUNT"
        )
        add.add_argument("--reason", default="")
        add.add_argument(
            "--no-confirmation",
            action="store_true",
            help="do not confirm the plan to the customer by email",
        )
        listing = sub.add_parser("list")
        for p in (add, listing):
            p.add_argument("--org", required=True)
            p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **o):
        org = organisation_option(o["org"])
        if action == "list":
            plans = PaymentPlan.objects.filter(org=org).select_related(
                "invoice", "customer"
            )
            rows = [_plan_json(p) for p in plans]
            text = "\n".join(
                f"{r['id']:>5} {r['invoice']} {r['status']} "
                f"{len(r['instalments'])} instalments"
                for r in rows
            )
            return emit(self, rows, o["json"], text or "no payment plan")
        invoice = Invoice.objects.filter(org=org, number=o["invoice"]).first()
        if invoice is None:
            raise CommandError(f"no invoice {o['invoice']!r} in {org.slug}")
        schedule = [_instalment(t) for t in o["instalment"]]
        try:
            with transaction.atomic():
                plan = create_plan(
                    org, invoice, schedule, actor="cli", reason=o["reason"]
                )
                if not o["no_confirmation"]:
                    confirm_plan(plan, org_today(org))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        emit(self, _plan_json(plan), o["json"], f"plan {plan.pk} agreed")
