from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from relance.core.penalties import (
    ContractRate,
    Paid,
    late_payment_claim,
    prescription_date,
)
from relance.core.rates import MissingRate
from relance.legal.services import rate_table
from relance.output import emit

CENT = Decimal("0.01")


def _day(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{what}: expected YYYY-MM-DD, got {value!r}") from None


def _amount(value: str, what: str) -> Decimal:
    try:
        amount = Decimal(value.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise CommandError(f"{what}: not an amount: {value!r}") from None
    if not amount.is_finite():
        raise CommandError(f"{what}: not an amount: {value!r}")
    return amount


class Command(BaseCommand):
    help = "Late-payment interest and indemnity French law allows for one invoice."

    def add_arguments(self, parser):
        parser.add_argument("--amount", required=True, help="amount including VAT")
        parser.add_argument("--due", required=True, help="due date YYYY-MM-DD")
        parser.add_argument(
            "--paid",
            required=True,
            help="date of final payment, or today if still unpaid",
        )
        parser.add_argument(
            "--payment",
            action="append",
            default=[],
            metavar="YYYY-MM-DD:AMOUNT",
            help="a partial payment",
        )
        parser.add_argument(
            "--b2c", action="store_true", help="the debtor is a consumer"
        )
        parser.add_argument(
            "--public",
            action="store_true",
            help="the debtor is a public buyer (ECB + 8, R2192-31)",
        )
        parser.add_argument("--notice", help="date of the formal notice (consumers)")
        parser.add_argument(
            "--rate",
            help="contractual rate: a percent (12,5) or a multiple of the legal "
            "rate (3x)",
        )
        parser.add_argument(
            "--freeze",
            action="store_true",
            help="keep the rate of the first late day for the whole delay",
        )
        parser.add_argument(
            "--actual",
            action="store_true",
            help="divide by 366 in leap years instead of 365",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        payments = []
        for item in o["payment"]:
            day, sep, amount = item.partition(":")
            if not sep:
                raise CommandError(
                    f"--payment: expected YYYY-MM-DD:AMOUNT, got {item!r}"
                )
            payments.append(Paid(_day(day, "--payment"), _amount(amount, "--payment")))
        due = _day(o["due"], "--due")
        if o["b2c"] and o["public"]:
            raise CommandError("--b2c and --public: a debtor is one or the other")
        try:
            claim = late_payment_claim(
                amount=_amount(o["amount"], "--amount"),
                due=due,
                until=_day(o["paid"], "--paid"),
                rates=rate_table(),
                payments=tuple(payments),
                b2c=o["b2c"],
                public=o["public"],
                notice=_day(o["notice"], "--notice") if o["notice"] else None,
                contractual_rate=ContractRate.parse(o["rate"] or ""),
                freeze=o["freeze"],
                actual_days=o["actual"],
            )
        except (MissingRate, ValueError) as exc:
            raise CommandError(str(exc)) from None
        data = {
            "interest": str(claim.interest),
            "indemnity": str(claim.indemnity),
            "total": str(claim.total.quantize(CENT)),
            "periods": [
                {
                    "from": p.start.isoformat(),
                    "to": p.end.isoformat(),
                    "days": p.days,
                    "base": str(p.base.quantize(CENT)),
                    "rate": str(p.rate),
                    "interest": str(p.interest.quantize(CENT)),
                    "source": p.source,
                }
                for p in claim.periods
            ],
            "warnings": list(claim.warnings),
            "prescription": prescription_date(due, o["b2c"]).isoformat(),
        }
        lines = [
            f"  {p['from']} → {p['to']}  {p['days']:>4} d  {p['base']:>12}  "
            f"{p['rate']:>6}%  {p['interest']:>10}"
            for p in data["periods"]
        ]
        lines += [
            f"interest {data['interest']}  indemnity {data['indemnity']}  "
            f"total {data['total']}",
            f"time-barred after {data['prescription']}",
            *(f"warning: {w}" for w in data["warnings"]),
        ]
        emit(self, data, o["json"], "\n".join(lines))
