from django.core.management.base import BaseCommand

from relance.output import emit, organisation_option
from relance.timeline.services import verify


class Command(BaseCommand):
    help = "Verify an organisation's timeline: every event against its hash chain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="recompute the hash chain")
        check.add_argument("--org", required=True)
        check.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        org = organisation_option(opts["org"])
        verdict = verify(org)
        data = {
            "ok": verdict.ok,
            "events": verdict.checked,
            "first_bad_seq": verdict.first_bad_seq,
            "problem": verdict.problem,
        }
        text = (
            f"OK: {verdict.checked} events, chain intact"
            if verdict.ok
            else f"TAMPERED at event {verdict.first_bad_seq}: {verdict.problem}"
        )
        emit(self, data, opts["json"], text)
        if not verdict.ok:
            raise SystemExit(1)
