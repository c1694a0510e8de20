from django.core.management.base import BaseCommand

from relance.comms.services import prepare_and_send
from relance.output import emit, organisation_option


class Command(BaseCommand):
    help = "Send the messages waiting in the outbox (each at most once)."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="only this organisation")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        org = organisation_option(opts["org"]) if opts["org"] else None
        counts = prepare_and_send(org, actor="cli")
        text = ", ".join(f"{v} {k}" for k, v in counts.items())
        emit(self, counts, opts["json"], text)
