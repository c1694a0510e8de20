"""Replies: read from the organisation's IMAP mailbox, attached to the customer
and the message they answer (by thread headers, then by sender address),
classified (core.replies), and acted on at once (a promise pauses the sequence
until its date, a dispute holds the invoice, ...) with a task for a person to
confirm or correct the reading. Delivery reports mark dead addresses."""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
import re
import ssl
from datetime import date, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import parseaddr, parsedate_to_datetime

from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from relance.core import replies as reading
from relance.dunning.holds import add_hold, end_hold
from relance.dunning.models import HoldKind, Task, TaskKind
from relance.ledger.models import Contact
from relance.orgs.models import org_today
from relance.timeline.services import record

from .addresses import mark_failing
from .confirmations import confirm_promise
from .models import Mailbox, MessageStatus, OutboundMessage, Reply, ReplyKind
from .models import ReplyStatus as Status

log = logging.getLogger(__name__)
ACTOR = "inbox"
MAX_BODY = 20_000
# A reply is a stranger's bytes, and the standard library's parsers are slow on
# some (a megabyte of "(" in From: takes five seconds, of encoded words much more):
# what is read of one is bounded, from the mailbox on. The customer's words
# come first; an attachment past the bound is not needed.
MAX_MESSAGE = 524_288  # bytes fetched and parsed of a message
MAX_PARTS = 32  # MIME parts parsed (each costs the parser a few milliseconds)
MAX_HEADER = 1_024  # characters of each header (its parser is quadratic)
MSGID = re.compile(r"<[^<>\s]+>")
TAG = re.compile(r"<[^<>]*>?")
# How long each reading pauses the sequence when the reply gives no date.
PAUSE_DAYS = {
    ReplyKind.PROMISE: 7,
    ReplyKind.PAID: 10,
    ReplyKind.PLAN: 14,
    ReplyKind.COPY: 7,
    ReplyKind.DISPUTE: 14,
}


class MailboxError(Exception):
    """The mailbox could not be read: said with the server's words."""


def fetch(mailbox: Mailbox, today: date | None = None) -> dict:
    """Read what arrived since the last time; each message is stored in its own
    transaction with the mailbox's position, so a crash loses nothing and a
    second pass stores nothing twice."""
    today = today or org_today(mailbox.org)
    counts = {"read": 0, "stored": 0, "duplicates": 0, "bounces": 0, "unmatched": 0}
    problems = []
    try:
        imap = _connect(mailbox)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"{mailbox}: cannot connect: {exc}") from exc
    try:
        status, _ = imap.select(_quoted(mailbox.folder), readonly=True)
        if status != "OK":
            raise MailboxError(f"{mailbox}: no folder {mailbox.folder!r}")
        validity = int(imap.response("UIDVALIDITY")[1][0])
        if validity != mailbox.uidvalidity:  # the folder was rebuilt: read it all
            mailbox.uidvalidity, mailbox.last_uid = validity, 0
            mailbox.save(update_fields=["uidvalidity", "last_uid"])
        _, data = imap.uid("SEARCH", None, f"UID {mailbox.last_uid + 1}:*")
        uids = sorted(int(u) for u in data[0].split() if int(u) > mailbox.last_uid)
        for uid in uids:
            _, parts = imap.uid("FETCH", str(uid), f"(BODY.PEEK[]<0.{MAX_MESSAGE}>)")
            raw = next(p[1] for p in parts if isinstance(p, tuple))
            counts["read"] += 1
            try:
                counts[_store(mailbox, uid, raw, today)] += 1
            except Exception as exc:  # one bad message must not block the rest
                log.exception("%s: message %s not stored", mailbox, uid)
                Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid)
                problems.append(f"message {uid}: {type(exc).__name__}: {exc}")
    except imaplib.IMAP4.error as exc:
        raise MailboxError(f"{mailbox}: {exc}") from exc
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            imap.logout()
    Mailbox.objects.filter(pk=mailbox.pk).update(checked_at=timezone.now())
    # Messages not stored stay in the mailbox (read without marking them).
    counts["problems"] = problems
    return counts


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.tls == "ssl":
        imap = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context()
        )
    else:
        imap = imaplib.IMAP4(mailbox.host, mailbox.port)
        if mailbox.tls == "starttls":
            imap.starttls(ssl.create_default_context())
    imap.login(mailbox.username, mailbox.password)
    return imap


@transaction.atomic
def _store(mailbox: Mailbox, uid: int, raw: bytes, today: date) -> str:
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid)
    mailbox.last_uid = uid
    return receive(mailbox.org, raw, today)


def receive(org, raw: bytes, today: date) -> str:
    """Store one received message; what became of it ('stored', 'duplicates',
    'bounces', 'unmatched')."""
    raw = _bounded(raw)
    # A NUL byte has no place in a message, and PostgreSQL stores none.
    msg = message_from_bytes(raw.replace(b"\x00", b""), policy=BOUNDED)
    message_id = _header(msg, "Message-ID").strip()[:300]
    if not message_id:
        message_id = "<sha256-" + hashlib.sha256(raw).hexdigest() + ">"
    if Reply.objects.filter(org=org, message_id=message_id).exists():
        return "duplicates"
    sender = parseaddr(_header(msg, "From"))[1].lower()
    bounce = _is_bounce(msg, sender)
    answers, customer, matched_by = _match(
        org, msg, sender, _original_ids(msg) if bounce else []
    )
    reply = Reply(
        org=org,
        customer=customer,
        answers=answers,
        matched_by=matched_by,
        message_id=message_id,
        from_address=sender[:300],
        subject=_header(msg, "Subject")[:300],
        body_text=_clean(_text(msg))[:MAX_BODY],
        received_at=_received_at(msg),
    )
    if bounce:
        failed = _failed_recipients(msg)
        reply.kind, reply.confidence = ReplyKind.BOUNCE, 1.0
        reply.status, reply.decided_by = Status.CONFIRMED, ACTOR
        reply.save()
        mark_failing(org, failed, "bounced: " + ", ".join(failed.values()), ACTOR)
        return "bounces"
    read = reading.classify(reply.subject, reply.body_text, today)
    reply.kind, reply.confidence = read.kind, read.confidence
    reply.promised_on, reply.amount, reply.back_on = (
        read.promised_on,
        read.amount,
        read.back_on,
    )
    reply.hold = _pause(reply, today) if customer else None
    reply.save()
    record(
        org,
        "reply.received",
        actor=ACTOR,
        customer_id=customer.pk if customer else None,
        data={
            "reply": reply.pk,
            "from": sender,
            "subject": reply.subject,
            "kind": reply.kind,
            "matched_by": matched_by,
        },
    )
    Task.objects.create(
        org=org,
        customer=customer,
        kind=TaskKind.REPLY,
        summary=_summary(reply),
        data={"reply": reply.pk},
    )
    return "stored" if customer else "unmatched"


def _bounded(raw: bytes) -> bytes:
    """The first MAX_MESSAGE bytes, ending before the line that would open part
    MAX_PARTS + 1 (a MIME boundary line starts with "--")."""
    raw = raw[:MAX_MESSAGE]
    at = 0
    for _ in range(MAX_PARTS + 1):
        at = raw.find(b"\n--", at + 1)
        if at < 0:
            return raw
    return raw[: at + 1]


class _BoundedHeaders(EmailPolicy):
    """The standard policy, with each header cut to MAX_HEADER as it is read
    from the message, before anything parses it (in every part)."""

    def header_source_parse(self, sourcelines):
        name, value = super().header_source_parse(sourcelines)
        return name, value[:MAX_HEADER]


BOUNDED = _BoundedHeaders()


def _clean(text: str) -> str:
    """Text as every database keeps it: PostgreSQL refuses NUL characters, and
    no database takes the lone surrogates that undecodable bytes become in a
    header the parser could not read (see _header): they become "?"."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _header(msg: EmailMessage, name: str) -> str:
    """A header's decoded text (an encoded word may still decode to a NUL), or
    its raw text when the standard library's parser fails on it (it raises on
    some malformed address groups, such as `From: a:b:;;`)."""
    try:
        value = msg[name]
    except Exception:  # a stranger's bytes: the parser's bugs are not ours to stop
        value = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
    return _clean(str(value or ""))


def _summary(reply: Reply) -> str:
    who = reply.customer.name if reply.customer else reply.from_address
    return f"{who}: {ReplyKind(reply.kind).label} — {reply.subject}"[:300]


def _match(org, msg: EmailMessage, sender: str, ids: list[str]):
    """The message answered (thread headers, or for a delivery report the
    returned message's id), else the customer whose contact wrote (only when
    the address belongs to one customer)."""
    ids = ids or MSGID.findall(
        f"{_header(msg, 'In-Reply-To')} {_header(msg, 'References')}"
    )
    if ids:
        answered = (
            OutboundMessage.objects.filter(org=org, message_id__in=ids)
            .select_related("customer")
            .order_by("-id")
            .first()
        )
        if answered:
            return answered, answered.customer, "thread"
    if not sender:
        return None, None, ""
    customers = {
        c.customer
        for c in Contact.objects.filter(org=org, email__iexact=sender).select_related(
            "customer"
        )
    }
    if len(customers) != 1:
        return None, None, ""
    (customer,) = customers
    latest = (
        OutboundMessage.objects.filter(
            org=org, customer=customer, status=MessageStatus.SENT
        )
        .order_by("-sent_at", "-id")
        .first()
    )
    return latest, customer, "address"


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # unknown charset: keep what decodes
        content = part.get_payload(decode=True).decode("utf-8", "replace")
    # Django's strip_tags reads an HTML text many times over: cut it first.
    content = content[: reading.MAX_TEXT]
    if part.get_content_subtype() == "html":
        try:
            content = strip_tags(content)
        except SuspiciousOperation:  # tags nested too deep for it: drop them
            content = TAG.sub(" ", content)
    return content.strip()


def _received_at(msg: EmailMessage):
    try:
        when = parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError):
        return timezone.now()
    return when if when.tzinfo else timezone.make_aware(when)


def _is_bounce(msg: EmailMessage, sender: str) -> bool:
    if msg.get_content_type() == "multipart/report":
        return msg.get_param("report-type") == "delivery-status"
    return sender.split("@")[0] in ("mailer-daemon", "postmaster")


def _original_ids(msg: EmailMessage) -> list[str]:
    """The Message-ID of the message a delivery report returns."""
    for part in msg.walk():
        if part.get_content_type() == "text/rfc822-headers":
            headers = part.get_payload(decode=True).decode("utf-8", "replace")
        elif part.get_content_type() == "message/rfc822":
            headers = str(part.get_payload()[0].get("Message-ID", ""))
            headers = f"Message-ID: {headers}"
        else:
            continue
        if m := re.search(r"^Message-ID:\s*(<[^<>\s]+>)", headers, re.I | re.M):
            return [m.group(1)]
    return []


def _failed_recipients(msg: EmailMessage) -> dict[str, str]:
    """Addresses a delivery report says failed for good, with their status."""
    failed = {}
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        # Each recipient is one block of fields after the message's own block;
        # a report about one message names a few, not thousands.
        for block in part.get_payload()[: MAX_PARTS + 1]:
            recipient = str(block.get("Final-Recipient", "")).split(";")[-1].strip()
            status = str(block.get("Status", "")).strip()
            action = str(block.get("Action", "")).strip().lower()
            if recipient and action == "failed" and status.startswith("5"):
                failed[recipient.lower()] = status
    return failed


def _invoice(reply: Reply):
    """The one open invoice the answered reminder was about, if it was one."""
    if reply.answers is None or reply.answers.action_id is None:
        return None
    open_ = [i for i in reply.answers.action.invoices.all() if not i.is_paid]
    return open_[0] if len(open_) == 1 else None


def _pause(reply: Reply, today: date):
    """Hold the sequence as the reading says; the hold names the reply."""
    kind = reply.kind
    invoice = _invoice(reply)
    reason = (
        f"{ReplyKind(kind).label}: reply of {reply.received_at:%Y-%m-%d} "
        f"from {reply.from_address}"
    )
    days = timedelta(days=PAUSE_DAYS.get(kind, 0))
    if kind == ReplyKind.PROMISE:
        until = reply.promised_on or today + days
        hold_kind = HoldKind.PROMISE
    elif kind == ReplyKind.DISPUTE and invoice is not None:
        hold_kind, until = HoldKind.DISPUTE, None
    elif kind == ReplyKind.PAID:
        hold_kind, until = HoldKind.PAYMENT_PENDING, today + days
    elif kind == ReplyKind.AWAY:
        if reply.back_on is None:
            return None
        hold_kind, until, invoice = HoldKind.PAUSE, reply.back_on, None
    elif kind in PAUSE_DAYS:
        # A dispute about several invoices, a plan or copy request: the whole
        # customer waits for a person.
        hold_kind, until, invoice = HoldKind.PAUSE, today + days, None
    else:
        return None
    return add_hold(
        reply.org,
        hold_kind,
        reply.customer,
        invoice=invoice,
        until=until,
        reason=reason,
        actor=ACTOR,
    )


DECISIONS = ("confirm", "dismiss", *(k for k in ReplyKind.values if k != "bounce"))


@transaction.atomic
def decide(reply: Reply, decision: str, actor: str, today: date | None = None) -> Reply:
    """A person confirms the reading, corrects it (the decision is then the right
    kind: the automatic hold ends and the right one is made), or dismisses it
    (the hold ends)."""
    if decision not in DECISIONS:
        raise ValueError(f"{decision!r} is not one of {', '.join(DECISIONS)}")
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != Status.TO_CONFIRM:
        raise ValueError(f"reply {reply.pk} was already {reply.status}")
    today = today or org_today(reply.org)
    if decision != "confirm" and reply.hold and reply.hold.ended_at is None:
        end_hold(reply.hold, actor=actor, reason=f"reply read as {decision}")
    if decision == "dismiss":
        reply.status = Status.DISMISSED
    else:
        if decision != "confirm":
            reply.kind = decision
            reply.hold = _pause(reply, today) if reply.customer else None
        reply.status = Status.CONFIRMED
        if reply.kind == ReplyKind.PROMISE and reply.hold is not None:
            confirm_promise([reply.hold], today, reply.amount)
    reply.decided_by, reply.decided_at = actor, timezone.now()
    reply.save()
    Task.objects.filter(
        org=reply.org, kind=TaskKind.REPLY, data__reply=reply.pk, done_at__isnull=True
    ).update(done_at=reply.decided_at, done_by=actor)
    record(
        reply.org,
        f"reply.{reply.status}",
        actor=actor,
        customer_id=reply.customer_id,
        data={"reply": reply.pk, "kind": reply.kind, "decision": decision},
    )
    return reply
