from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from relance.ops.models import Schedule
from relance.ops.worker import Worker
from relance.output import emit, organisation_option, parse_day


def _days(value: str) -> list[date]:
    first, _, last = value.partition("..")
    start, end = parse_day(first, "--days"), parse_day(last or first, "--days")
    if end < start:
        raise CommandError("--days must be FROM..TO with FROM before TO")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


class Command(BaseCommand):
    help = (
        "Run the daily cycle of every organisation (replies, watched folder, the "
        "day's run, sending as each window opens), until stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            help="FROM..TO: run these days for every organisation, then stop",
        )
        parser.add_argument("--tick", type=float, help="seconds between rounds")
        sub = parser.add_subparsers(dest="action")
        plan = sub.add_parser("schedule", help="an organisation's hour and folder")
        plan.add_argument("--org", required=True)
        plan.add_argument("--hour", type=int, help="local hour its day runs (0-23)")
        plan.add_argument(
            "--watch", help="folder whose invoices/ and bank/ files it imports"
        )
        plan.add_argument("--json", action="store_true")

    def handle(self, *args, action=None, **opts):
        if action == "schedule":
            return self._schedule(opts)
        days = _days(opts["days"]) if opts["days"] else None
        Worker(tick=opts["tick"], days=days).run()

    def _schedule(self, opts):
        org = organisation_option(opts["org"])
        schedule, _ = Schedule.objects.get_or_create(org=org)
        if opts["hour"] is not None:
            if not 0 <= opts["hour"] <= 23:
                raise CommandError("--hour must be between 0 and 23")
            schedule.hour = opts["hour"]
        if opts["watch"] is not None:
            schedule.watch_dir = opts["watch"]
        schedule.save()
        data = {"org": org.slug, "hour": schedule.hour, "watch": schedule.watch_dir}
        text = f"{org.slug}: its day runs at {schedule.hour}h ({org.timezone})"
        emit(self, data, opts["json"], text)
