from django.core.management.base import BaseCommand

from relance.dunning.services import run_dunning
from relance.orgs.models import org_today
from relance.output import emit, organisation_option, parse_day


class Command(BaseCommand):
    help = "Run the day's dunning: plan and record the reminders due."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True)
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="write nothing")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        org = organisation_option(opts["org"])
        day = parse_day(opts["date"]) if opts["date"] else org_today(org)
        result = run_dunning(org, day, dry_run=opts["dry_run"], actor="cli")
        text = "\n".join(
            [
                f"{len(result['actions'])} action(s) for {day}"
                + (" (dry run, nothing written)" if opts["dry_run"] else "")
            ]
            + [
                f"  {a['step']:<18} {a['channel']:<7} {a['customer']}: "
                f"{', '.join(a['invoices'])}"
                for a in result["actions"]
            ]
            + [f"  skipped {s['invoice']}: {s['reason']}" for s in result["skipped"]]
        )
        emit(self, result, opts["json"], text)
