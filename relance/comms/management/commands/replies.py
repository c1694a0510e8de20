import os

from django.core.management.base import BaseCommand, CommandError

from relance.comms.inbox import DECISIONS, MailboxError, decide, fetch
from relance.comms.models import Mailbox, Reply, ReplyStatus
from relance.output import emit, organisation_option


def _reply_json(r: Reply) -> dict:
    return {
        "id": r.pk,
        "received_at": r.received_at,
        "from": r.from_address,
        "subject": r.subject,
        "customer": r.customer.ref if r.customer else None,
        "matched_by": r.matched_by,
        "kind": r.kind,
        "confidence": r.confidence,
        "promised_on": r.promised_on,
        "amount": r.amount,
        "back_on": r.back_on,
        "status": r.status,
        "hold": r.hold_id,
        "decided_by": r.decided_by,
    }


class Command(BaseCommand):
    help = "Customers' replies: set the mailbox, read it, list and decide replies."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        box = sub.add_parser("mailbox", help="set the IMAP mailbox replies arrive in")
        box.add_argument("--host", required=True)
        box.add_argument("--port", type=int, default=993)
        box.add_argument("--tls", choices=("ssl", "starttls", "none"), default="ssl")
        box.add_argument("--user", required=True)
        box.add_argument(
            "--password-env",
            required=True,
            help="name of the environment variable holding the password",
        )
        box.add_argument("--folder", default="INBOX")
        get = sub.add_parser("fetch", help="read what arrived (all organisations)")
        listing = sub.add_parser("list", help="replies waiting for a person")
        listing.add_argument("--all", action="store_true", help="decided ones too")
        dec = sub.add_parser("decide", help="confirm, correct or dismiss a reading")
        dec.add_argument("id", type=int)
        dec.add_argument("decision", choices=DECISIONS)
        for p in (box, listing, dec):
            p.add_argument("--org", required=True)
        get.add_argument("--org")
        for p in (box, get, listing, dec):
            p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **o):
        org = organisation_option(o["org"]) if o.get("org") else None
        if action == "mailbox":
            return self._mailbox(org, o)
        if action == "fetch":
            return self._fetch(org, o)
        if action == "list":
            replies = Reply.objects.filter(org=org).select_related("customer")
            if not o["all"]:
                replies = replies.filter(status=ReplyStatus.TO_CONFIRM)
            rows = [_reply_json(r) for r in replies]
            text = "\n".join(
                f"{r['id']:>5} {r['kind']:<14} {r['customer'] or '?':<10} "
                f"{r['from']:<30} {r['subject']}"
                for r in rows
            )
            return emit(self, rows, o["json"], text or "no reply to confirm")
        reply = Reply.objects.filter(org=org, pk=o["id"]).first()
        if reply is None:
            raise CommandError(f"no reply {o['id']} in {org.slug}")
        try:
            reply = decide(reply, o["decision"], actor="cli")
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        emit(self, _reply_json(reply), o["json"], f"reply {reply.pk}: {reply.status}")

    def _mailbox(self, org, o):
        password = os.environ.get(o["password_env"])
        if not password:
            raise CommandError(f"environment variable {o['password_env']} is empty")
        Mailbox.objects.update_or_create(
            org=org,
            defaults={
                "host": o["host"],
                "port": o["port"],
                "tls": o["tls"],
                "username": o["user"],
                "password": password,
                "folder": o["folder"],
            },
        )
        data = {"org": org.slug, "host": o["host"], "user": o["user"]}
        emit(self, data, o["json"], f"{org.slug}: replies read from {o['user']}")

    def _fetch(self, org, o):
        boxes = Mailbox.objects.select_related("org")
        boxes = list(boxes.filter(org=org) if org else boxes.order_by("org__slug"))
        if org and not boxes:
            raise CommandError(f"{org.slug} has no mailbox: `replies mailbox`")
        results, failed = {}, False
        for box in boxes:
            try:
                results[box.org.slug] = fetch(box)
            except MailboxError as exc:
                results[box.org.slug] = {"error": str(exc)}
                failed = True
        text = "\n".join(
            f"{slug}: " + ", ".join(f"{v} {k}" for k, v in r.items())
            for slug, r in results.items()
        )
        emit(self, results, o["json"], text or "no mailbox set")
        if failed:
            raise CommandError("some mailboxes could not be read (see above)")
