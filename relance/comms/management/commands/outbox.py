from django.core.management.base import BaseCommand, CommandError

from relance.comms.models import MessageStatus, OutboundMessage
from relance.comms.services import RESOLUTIONS, resolve_many
from relance.output import emit, organisation_option

DECISIONS = sorted({d for allowed in RESOLUTIONS.values() for d in allowed})


def _message_json(m: OutboundMessage) -> dict:
    return {
        "id": m.pk,
        "org": m.org.slug,
        "customer": m.customer.ref,
        "to": m.to_addresses,
        "subject": m.subject,
        "status": m.status,
        "reason": m.status_reason,
        "claimed_at": m.claimed_at,
        "claimed_by": m.claimed_by,
    }


class Command(BaseCommand):
    help = "The outbox: list messages waiting for a person and decide them in bulk."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="messages in one status")
        res = sub.add_parser(
            "resolve", help="one decision for every message in a status (or --ids)"
        )
        for p in (listing, res):
            p.add_argument("--org", help="only this organisation")
            p.add_argument("--json", action="store_true")
        listing.add_argument(
            "--status", default="uncertain", choices=MessageStatus.values
        )
        res.add_argument(
            "--status", required=True, choices=sorted(str(s) for s in RESOLUTIONS)
        )
        res.add_argument("--decision", required=True, choices=DECISIONS)
        res.add_argument("--ids", type=int, nargs="+", help="only these messages")

    def handle(self, *args, action, **o):
        messages = OutboundMessage.objects.filter(status=o["status"])
        if o["org"]:
            messages = messages.filter(org=organisation_option(o["org"]))
        if o.get("ids"):
            messages = messages.filter(pk__in=o["ids"])
        messages = messages.select_related("org", "customer", "action").order_by("pk")
        if action == "list":
            rows = [_message_json(m) for m in messages]
            text = "\n".join(
                f"{r['id']:>6} {r['org']:<10} {r['customer']:<10} {r['subject']}"
                f" — {r['reason']}"
                for r in rows
            )
            return emit(self, rows, o["json"], text or f"no {o['status']} message")
        result = resolve_many(messages, o["decision"], actor="cli")
        found = set(result["resolved"]) | set(result["refused"])
        for pk in o.get("ids") or ():
            if pk not in found:
                result["refused"][pk] = f"no {o['status']} message {pk}"
        data = {"status": o["status"], "decision": o["decision"], **result}
        text = f"{len(result['resolved'])} {o['status']} messages: {o['decision']}"
        text += "".join(f"\n{pk}: {why}" for pk, why in result["refused"].items())
        emit(self, data, o["json"], text)
        if result["refused"]:
            raise CommandError(f"{len(result['refused'])} messages not resolved")
