from django.core.management.base import BaseCommand, CommandError

from relance.ops.health import report
from relance.output import emit, organisation_option


def _text(data: dict) -> str:
    lines = [f"database: {'ok' if data['database']['ok'] else 'DOWN'}"]
    for w in data.get("workers", []):
        state = "alive" if w["alive"] else "gone"
        lines.append(
            f"worker {w['worker']}: {state}, seen {w['seen_at']:%Y-%m-%d %H:%M:%S}"
        )
    for o in data.get("organisations", []):
        lines.append(f"{o['org']}: last day {o['last_day'] or 'never'}")
    if "outbox" in data:
        lines.append(", ".join(f"{v} {k}" for k, v in data["outbox"].items()))
    lines += [f"STUCK {why}" for why in data["stuck"]]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "How relance is doing: the database, the workers, each organisation's "
        "last day, the outbox; exits non-zero when something is stuck."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", help="only this organisation")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        org = organisation_option(opts["org"]) if opts["org"] else None
        data = report(org=org)
        emit(self, data, opts["json"], _text(data))
        if not data["ok"]:
            raise CommandError("something is stuck: " + "; ".join(data["stuck"]))
