from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from relance.comms.models import MessageStatus, OutboundMessage
from relance.dunning.models import Action, ActionStatus
from relance.dunning.services import run_dunning, summary
from relance.firms.demo import build as build_firm_demo
from relance.ledger.services import import_invoices
from relance.orgs.models import Organisation, org_today
from relance.orgs.services import (
    create_organisation,
    create_user,
    delete_organisation,
)
from relance.output import emit, parse_day
from relance.web.demodata import ledger_csv

SLUG = "demo"
LOGIN = ("demo@relance.example", "atelier-verdier-demo")  # passes the validators
HISTORY_DAYS = 14


class Command(BaseCommand):
    help = "Build (or rebuild) the demo organisation and run today's dunning."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="pretend today is YYYY-MM-DD")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        with transaction.atomic():
            for old in Organisation.objects.filter(slug=SLUG):
                delete_organisation(old)
            org = create_organisation(
                SLUG,
                "Atelier Verdier SAS",
                siren="732829320",
                iban="FR7630006000011234567890189",
                bic="AGRIFRPP",
                sender_name="Service comptabilité",
                sender_email="compta@atelier-verdier.example",
                phone="04 72 00 00 00",
                address="12 rue des Tanneurs\n69002 Lyon",
            )
            create_user(LOGIN[0], org, "admin", LOGIN[1])
        today = parse_day(opts["date"]) if opts["date"] else org_today(org)
        start = today - timedelta(days=HISTORY_DAYS)
        self._progress(opts, "Importing the ledger as it stood two weeks ago…")
        import_invoices(
            org, ledger_csv(today, as_of=start), "demo-history.csv", "demo", today=start
        )
        for n in range(HISTORY_DAYS):
            day = start + timedelta(days=n)
            self._progress(opts, f"  dunning run for {day} ({n + 1}/{HISTORY_DAYS})")
            run_dunning(org, day, actor="demo")
        self._settle_history(org)
        self._progress(
            opts, "Importing today's ledger (payments of the last two weeks)…"
        )
        result = import_invoices(
            org, ledger_csv(today), "demo.csv", "demo", today=today
        )
        firm = build_firm_demo(org, LOGIN[0], today)
        run_dunning(org, today, actor="demo")
        data = {
            "org": SLUG,
            "login": {"email": LOGIN[0], "password": LOGIN[1]},
            "import": {
                "updated": result["updated"],
                "rejected": len(result["rejected"]),
            },
            "date": today.isoformat(),
            "firm": firm,
            # today's actions: the run's, and the thank-yous planned at import
            **summary(
                org,
                today,
                list(
                    Action.objects.filter(org=org, run_date=today).values(
                        "step", "channel"
                    )
                ),
            ),
        }
        emit(self, data, opts["json"], self._text(data))

    def _progress(self, opts, line):
        if not opts["json"]:
            self.stderr.write(line)

    def _settle_history(self, org):
        """Demo only: the earlier days' emails count as sent and their tasks as done,
        as if someone had been using relance for two weeks."""
        OutboundMessage.objects.filter(org=org, status=MessageStatus.QUEUED).update(
            status=MessageStatus.SENT,
            sent_at=timezone.now(),
            status_reason="demo history",
        )
        Action.objects.filter(org=org).update(status=ActionStatus.DONE)

    def _text(self, d):
        by_step = ", ".join(f"{k} {v}" for k, v in d["actions_by_step"].items())
        by_channel = ", ".join(f"{k} {v}" for k, v in d["actions_by_channel"].items())
        aging = ", ".join(
            f"{k} {v['amount']} EUR ({v['count']})" for k, v in d["aging"].items()
        )
        up, late, login = d["upcoming"], d["overdue"], d["login"]
        return "\n".join(
            [
                f"Demo organisation '{d['org']}' ready ({d['customers']} customers, "
                f"{d['invoices']} invoices). Dunning for {d['date']}:",
                f"  actions by step:    {by_step or 'none'}",
                f"  actions by channel: {by_channel or 'none'}",
                f"  upcoming: {up['amount']} EUR ({up['count']} invoices)",
                f"  overdue:  {late['amount']} EUR ({late['count']} invoices)",
                f"  aging:    {aging}",
                "Log in at http://127.0.0.1:8000 as "
                f"{login['email']} / {login['password']}",
            ]
        )
