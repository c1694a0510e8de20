from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.core.rates import B2B_MARGIN, semester_start
from relance.legal import ecb_portal
from relance.legal.services import (
    add_ecb_rate,
    add_legal_rate,
    confirm_ecb_until,
    confirm_fetched,
    pending_rates,
    rate_table,
    record_fetched,
)
from relance.output import emit


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"expected a date YYYY-MM-DD, got {value!r}") from None


def _rate(value: str) -> Decimal:
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise CommandError(f"expected a rate in percent, got {value!r}") from None


class Command(BaseCommand):
    help = "Show the rate tables used for late-payment interest, or add a rate."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action")
        show = sub.add_parser("show", help="show the tables (default)")
        ecb = sub.add_parser("add-ecb", help="record an ECB main refinancing rate")
        ecb.add_argument("--effective", required=True, help="YYYY-MM-DD")
        ecb.add_argument("--rate", required=True, help="percent, e.g. 2.15")
        ecb.add_argument("--source", required=True)
        confirm = sub.add_parser(
            "confirm-ecb", help="record that the ECB rate did not change until a day"
        )
        confirm.add_argument("--until", required=True)
        confirm.add_argument("--source", required=True)
        legal = sub.add_parser("add-legal", help="record a half-year's legal rates")
        legal.add_argument("--start", required=True, help="YYYY-01-01 or YYYY-07-01")
        legal.add_argument("--individual", required=True)
        legal.add_argument("--other", required=True)
        legal.add_argument("--source", required=True)
        fetch = sub.add_parser(
            "fetch",
            help="download the ECB main refinancing rate from the ECB Data Portal; "
            "new rates wait for `relance rates confirm ID`",
        )
        fetch.add_argument("--url", default=ecb_portal.URL)
        fetch.add_argument("--since", help="YYYY-MM-DD (default: a year back)")
        accept = sub.add_parser(
            "confirm", help="confirm a fetched rate, checked against the ECB release"
        )
        accept.add_argument("id", type=int)
        for p in (parser, show, ecb, confirm, legal, fetch, accept):
            p.add_argument("--json", action="store_true")

    def handle(self, *args, action=None, **opts):
        try:
            if action == "add-ecb":
                add_ecb_rate(
                    _day(opts["effective"]), _rate(opts["rate"]), opts["source"], "cli"
                )
            elif action == "confirm-ecb":
                confirm_ecb_until(_day(opts["until"]), opts["source"], "cli")
            elif action == "add-legal":
                add_legal_rate(
                    _day(opts["start"]),
                    _rate(opts["individual"]),
                    _rate(opts["other"]),
                    opts["source"],
                    "cli",
                )
            elif action == "fetch":
                self._fetch(opts)
            elif action == "confirm":
                confirm_fetched(opts["id"], "cli")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self._show(opts.get("json", False))

    def _fetch(self, opts) -> None:
        since = (
            _day(opts["since"])
            if opts["since"]
            else rate_table().ecb_known_until - timedelta(days=365)
        )
        url = ecb_portal.series_url(opts["url"], since)
        try:
            fetched = ecb_portal.compare(
                rate_table(), ecb_portal.observations(ecb_portal.download(url))
            )
        except (OSError, ecb_portal.PortalError) as exc:
            raise CommandError(f"ECB Data Portal: {exc}") from None
        source = (
            f"ECB Data Portal, series {ecb_portal.SERIES}, fetched "
            f"{date.today().isoformat()}"
        )
        record_fetched(fetched, source, "cli (fetch)")
        for line in fetched.disagreements:
            self.stderr.write(f"warning: {line}")

    def _show(self, as_json: bool) -> None:
        table = rate_table()
        semesters = []
        for row in table.legal:
            if row.start.year < 2013:
                continue
            start = semester_start(row.start)
            try:
                ecb = table.ecb_on(start)
                b2b = str(ecb.rate + B2B_MARGIN)
            except LookupError:
                b2b = None
            semesters.append(
                {
                    "half_year": start.isoformat(),
                    "l441_10_rate": b2b,
                    "legal_individual": str(row.individual),
                    "legal_other": str(row.other),
                    "floor_3x_legal": str(3 * row.other),
                    "source": row.source,
                }
            )
        data = {
            "ecb": [
                {
                    "effective": r.effective.isoformat(),
                    "rate": str(r.rate),
                    "source": r.source,
                }
                for r in table.ecb
            ],
            "ecb_known_until": table.ecb_known_until.isoformat(),
            "half_years": semesters,
            "pending": [
                {
                    "id": e.pk,
                    "kind": e.kind,
                    "day": e.day.isoformat(),
                    "rate": None if e.rate is None else str(e.rate),
                    "source": e.source,
                }
                for e in pending_rates()
            ],
        }
        lines = [f"ECB rates known until {data['ecb_known_until']}; last changes:"]
        lines += [
            f"  {r['effective']}  {r['rate']:>5}%  {r['source']}"
            for r in data["ecb"][-5:]
        ]
        lines.append("half-year   L441-10  legal(indiv.)  legal(other)  3x other")
        lines += [
            f"  {s['half_year']}  {s['l441_10_rate'] or '  ?  ':>6}  "
            f"{s['legal_individual']:>12}  {s['legal_other']:>12}  "
            f"{s['floor_3x_legal']:>8}"
            for s in semesters
        ]
        lines += [
            f"waiting for confirmation (relance rates confirm ID): #{p['id']} "
            f"{p['kind']} {p['day']} {p['rate'] or ''}"
            for p in data["pending"]
        ]
        emit(self, data, as_json, "\n".join(lines))
