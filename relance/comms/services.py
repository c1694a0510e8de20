"""Sending the outbox: claim a due message, re-check it against every hold, hand
it to its channel once and settle it (sent, failed, retried or uncertain); a
person's decisions about the messages it could not settle. Preparing is
comms.outbox."""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import socket
import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from relance.core.policy import TEXT_CHANNELS, Channel
from relance.dunning.history import release_steps
from relance.dunning.models import Action, ActionStatus
from relance.legal.documents import party_for_customer
from relance.orgs.models import org_today
from relance.stored_files import inside
from relance.timeline.services import record

from .addresses import mark_failing
from .compose import build, envelope_sender, thread_of
from .handover import HandOverInterrupted, MailServer, NotHandedOver
from .letters import LetterRefused, LetterUnavailable, letter_provider
from .models import MessageStatus, OutboundMessage
from .outbox import letter_failed
from .recheck import recheck
from .texts import TextRefused, TextUnavailable, provider

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def smtp_configured() -> bool:
    return bool(settings.RELANCE_SMTP_HOST)


def sender_id() -> str:
    """Who claims a message: this host and process, and one batch of it."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def mark_stale_uncertain(now) -> int:
    """Messages claimed long ago and never settled: their sender died mid-send.
    A sender renews a message's claim right before handing it over, so only a
    hand-over that outlived the window is taken for dead; and a claim renewed
    meanwhile is left alone (the update is conditional on the one seen)."""
    cutoff = now - timedelta(minutes=settings.RELANCE_SEND_STALE_MINUTES)
    stale = list(
        OutboundMessage.objects.filter(
            status=MessageStatus.SENDING, claimed_at__lt=cutoff
        ).select_related("org")
    )
    return sum(
        _settle(
            msg,
            MessageStatus.UNCERTAIN,
            f"sending by {msg.claimed_by or 'an earlier sender'} was interrupted; "
            "check before resending",
            claim={"claimed_by": msg.claimed_by, "claimed_at": msg.claimed_at},
        )
        for msg in stale
    )


def _due(org=None, now=None):
    qs = OutboundMessage.objects.filter(status=MessageStatus.QUEUED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(not_before__isnull=True) | Q(not_before__lte=now),
    )
    return qs.filter(org=org) if org else qs


def _claim(msg_id: int, me: str) -> bool:
    """Atomically take a queued message, stamped with this instant and this
    sender; False if another sender got it first."""
    return (
        OutboundMessage.objects.filter(pk=msg_id, status=MessageStatus.QUEUED).update(
            status=MessageStatus.SENDING,
            claimed_at=timezone.now(),
            claimed_by=me,
            attempts=F("attempts") + 1,
        )
        == 1
    )


def _stamp(msg: OutboundMessage, me: str) -> bool:
    """Renew this sender's claim right before the hand-over; False if the
    message is no longer ours (another sender took it for dead)."""
    return (
        OutboundMessage.objects.filter(
            pk=msg.pk, status=MessageStatus.SENDING, claimed_by=me
        ).update(claimed_at=timezone.now())
        == 1
    )


def prepare_and_send(org=None, actor: str = "system") -> dict:
    """Render what a crash may have left unrendered, then send what is due."""
    from relance.dunning.services import prepare_outbox
    from relance.orgs.models import Organisation

    for each in [org] if org else Organisation.objects.all():
        prepare_outbox(each, actor)
    return send_outbox(org)


def send_outbox(org=None) -> dict:
    """Send every due message once. Returns counts for the CLI and tasks."""
    now = timezone.now()
    me = sender_id()
    counts = {"sent": 0, "failed": 0, "held": 0, "cancelled": 0, "retry": 0}
    counts["uncertain"] = mark_stale_uncertain(now)
    due = list(_due(org, now).values_list("pk", "channel").order_by("pk"))
    if not smtp_configured():
        # Texts and letters have their own providers; emails wait, as previews.
        emails = sum(1 for _, channel in due if _by_smtp(channel))
        if emails:
            counts["held"] = emails
            counts["smtp"] = "not configured: messages stay in the outbox as previews"
        due = [(pk, channel) for pk, channel in due if not _by_smtp(channel)]
    server = MailServer()
    try:
        for msg_id, channel in due:
            if not _claim(msg_id, me):
                continue
            msg = OutboundMessage.objects.select_related("org", "action").get(pk=msg_id)
            verdict = recheck(msg, org_today(msg.org))
            if verdict:
                status, reason = verdict
                _settle(msg, status, reason)
                if status == MessageStatus.CANCELLED and msg.action_id:
                    release_steps(msg.action_id)
                counts[
                    "cancelled" if status == MessageStatus.CANCELLED else "held"
                ] += 1
                continue
            try:
                if channel in TEXT_CHANNELS:
                    outcome = _deliver_text(msg, me)
                elif channel == Channel.LETTER:
                    outcome = _deliver_letter(msg, me)
                else:
                    outcome = _deliver(msg, me, server)
            except NotHandedOver as exc:  # the server is not taking mail now
                _retry(msg, str(exc))
                counts["retry"] += 1
                break
            if outcome:
                counts[outcome] += 1
    finally:
        server.close()
    return counts


def _by_smtp(channel: str) -> bool:
    return channel not in TEXT_CHANNELS and channel != Channel.LETTER


def reconnect_pauses() -> list[float]:
    """Seconds to wait before each new try after a dropped connection: at once,
    then RELANCE_SMTP_RECONNECT_SECONDS, then twice that."""
    pause = settings.RELANCE_SMTP_RECONNECT_SECONDS
    return [0, pause, 2 * pause]


class _ClaimLost(Exception):
    """Another sender took the message for dead: it must not go from here."""


def _hand_over(msg: OutboundMessage, me: str, server: MailServer, data) -> dict:
    """Hand the message over, on a new connection when one drops before it went;
    raises NotHandedOver when the server keeps failing, _ClaimLost when the
    message stopped being ours."""
    recipients = [*msg.to_addresses, *msg.cc_addresses]
    pauses = reconnect_pauses()
    while True:
        if not _stamp(msg, me):
            raise _ClaimLost
        try:
            return server.hand_over(envelope_sender(msg), recipients, data)
        except NotHandedOver:
            if not pauses:
                raise
            time.sleep(pauses.pop(0))


def _deliver(msg: OutboundMessage, me: str, server: MailServer) -> str | None:
    in_reply_to, references = thread_of(msg)
    try:
        data = build(msg, in_reply_to, references)
    except Exception as exc:  # nothing went out: a person looks at it
        _settle(msg, MessageStatus.HELD, f"could not compose the email: {exc}")
        return "held"
    OutboundMessage.objects.filter(pk=msg.pk).update(
        in_reply_to=in_reply_to, references=" ".join(references)
    )
    try:
        refused = _hand_over(msg, me, server, data)
    except _ClaimLost:
        return None
    except smtplib.SMTPRecipientsRefused as exc:
        if all(code >= 500 for code, _ in exc.recipients.values()):
            reason = f"recipients refused: {exc.recipients}"
            _settle(msg, MessageStatus.FAILED, reason)
            mark_failing(msg.org, exc.recipients, _refusal(exc.recipients))
            return "failed"
        _retry(msg, f"recipients refused for now: {exc.recipients}")
        return "retry"
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            _settle(msg, MessageStatus.FAILED, f"{exc.smtp_code} {exc.smtp_error!r}")
            return "failed"
        _retry(msg, f"{exc.smtp_code} {exc.smtp_error!r}")
        return "retry"
    except HandOverInterrupted as exc:
        # The server may or may not have taken the message: a person decides.
        _settle(msg, MessageStatus.UNCERTAIN, str(exc))
        return "uncertain"
    _settle(msg, MessageStatus.SENT, "")
    # Some recipients accepted, others refused for good (a CC'd colleague who
    # left): the message went; the dead addresses are flagged.
    gone = {a: r for a, r in refused.items() if r[0] >= 500}
    if gone:
        mark_failing(msg.org, gone, _refusal(gone))
    return "sent"


def _deliver_text(msg: OutboundMessage, me: str) -> str | None:
    """Hand a text to its channel's provider; same outcomes as an email."""
    if not _stamp(msg, me):
        return None
    try:
        ref = provider(msg.channel).send(
            msg.to_addresses[0], msg.body_text, msg.message_id
        )
    except TextRefused as exc:
        _settle(msg, MessageStatus.FAILED, f"refused by the provider: {exc}")
        return "failed"
    except TextUnavailable as exc:
        _retry(msg, f"provider unavailable: {exc}")
        return "retry"
    except Exception as exc:  # it may have gone: a person decides
        _settle(msg, MessageStatus.UNCERTAIN, f"provider error while sending: {exc}")
        return "uncertain"
    OutboundMessage.objects.filter(pk=msg.pk).update(provider_ref=str(ref)[:100])
    _settle(msg, MessageStatus.SENT, "")
    return "sent"


def _deliver_letter(msg: OutboundMessage, me: str) -> str | None:
    """Hand a letter's kept PDF to the letter provider, once; the provider's
    reference is the proof that it was posted."""
    if not _stamp(msg, me):
        return None
    letter = msg.attachments[0]
    action = msg.action
    try:
        pdf = inside(Path(settings.MEDIA_ROOT), letter["letter"]).read_bytes()
        provider = letter_provider()
        reference = provider.submit(
            pdf,
            party_for_customer(msg.customer),
            f"org{msg.org_id}-customer{msg.customer_id}-{action.step}",
            date.fromisoformat(letter["on"]),
        )
    except LetterRefused as exc:
        _settle(msg, MessageStatus.FAILED, f"refused by the provider: {exc}")
        return "failed"
    except LetterUnavailable as exc:
        _retry(msg, f"provider unavailable: {exc}")
        return "retry"
    except Exception as exc:  # it may have gone: a person decides
        letter_failed(msg.org, action, exc, "outbox")
        _settle(msg, MessageStatus.UNCERTAIN, f"provider error while sending: {exc}")
        return "uncertain"
    OutboundMessage.objects.filter(pk=msg.pk).update(provider_ref=str(reference)[:100])
    _settle(msg, MessageStatus.SENT, "")
    record(
        msg.org,
        "letter.submitted",
        actor="outbox",
        customer_id=msg.customer_id,
        data={
            "action": action.pk,
            "message": msg.pk,
            "provider": provider.name,
            "reference": reference,
            "sha256": letter["sha256"],
            "total_due": letter["total_due"],
        },
    )
    return "sent"


def _refusal(recipients: dict) -> str:
    code, text = next(iter(recipients.values()))
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"


def _retry(msg: OutboundMessage, reason: str) -> None:
    if msg.attempts >= MAX_ATTEMPTS:
        _settle(
            msg,
            MessageStatus.FAILED,
            f"gave up after {msg.attempts} attempts: {reason}",
        )
        return
    delay = timedelta(minutes=5 * 2 ** (msg.attempts - 1))
    OutboundMessage.objects.filter(pk=msg.pk).update(
        status=MessageStatus.QUEUED,
        status_reason=reason,
        next_attempt_at=timezone.now() + delay,
    )


# What a person may decide about a message the outbox could not settle alone.
RESOLUTIONS = {
    MessageStatus.UNCERTAIN: ("sent", "resend", "cancel"),
    MessageStatus.HELD: ("resend", "cancel"),
}


def decisions(msg: OutboundMessage) -> tuple[str, ...]:
    """What a person may decide about this message here. A message held for an
    approval is decided in the approvals queue, never sent from the outbox."""
    if (
        msg.status == MessageStatus.HELD
        and msg.action_id
        and msg.action.status == ActionStatus.APPROVAL
    ):
        return ()
    return RESOLUTIONS.get(msg.status, ())


@transaction.atomic
def resolve(msg: OutboundMessage, decision: str, actor: str) -> str:
    """A person settles an uncertain or held message: it did go out (the mail
    server's log or the customer says so), it must go again, or it must not."""
    allowed = decisions(msg)
    if decision not in allowed:
        raise ValueError(
            f"message {msg.pk} is {msg.status}: "
            f"{decision!r} is not one of {', '.join(allowed) or 'no decision'}"
        )
    # Lock the row: two people deciding at once must not both act.
    if (
        not OutboundMessage.objects.select_for_update()
        .filter(pk=msg.pk, status=msg.status)
        .exists()
    ):
        raise ValueError(f"message {msg.pk} was settled by someone else meanwhile")
    if decision == "resend":
        OutboundMessage.objects.filter(pk=msg.pk).update(
            status=MessageStatus.QUEUED,
            status_reason=f"sent again at {actor}'s request",
            next_attempt_at=None,
        )
        record(
            msg.org,
            "message.requeued",
            actor=actor,
            data={"message": msg.pk, "subject": msg.subject, "was": msg.status},
            customer_id=msg.customer_id,
        )
        return MessageStatus.QUEUED
    status = MessageStatus.SENT if decision == "sent" else MessageStatus.CANCELLED
    _settle(msg, status, f"{decision} confirmed by {actor}", actor=actor)
    return status


def resolve_many(messages, decision: str, actor: str) -> dict:
    """One decision for many messages (after a dropped connection, hundreds may
    wait): each is settled and written on the timeline as resolve() does it; one
    that does not allow the decision, or was settled meanwhile, is left as it is
    and reported. `messages` come with their org and action."""
    resolved, refused = {}, {}
    for msg in messages:
        try:
            resolved[msg.pk] = resolve(msg, decision, actor)
        except ValueError as exc:
            refused[msg.pk] = str(exc)
    return {"resolved": resolved, "refused": refused}


@transaction.atomic
def _settle(
    msg: OutboundMessage,
    status: str,
    reason: str,
    actor: str = "outbox",
    claim: dict | None = None,
) -> bool:
    """Record the message's outcome; with `claim`, only if it is still in flight
    under that claim (False otherwise, and nothing recorded)."""
    now = timezone.now()
    rows = OutboundMessage.objects.filter(pk=msg.pk)
    if claim is not None:
        rows = rows.filter(status=MessageStatus.SENDING, **claim)
    changed = rows.update(
        status=status,
        status_reason=reason[:300],
        sent_at=now if status == "sent" else None,
    )
    if not changed:
        return False
    if msg.action_id:
        change = {
            MessageStatus.SENT: {"status": ActionStatus.DONE},
            MessageStatus.CANCELLED: {"status": ActionStatus.CANCELLED},
            # Not delivered and never retried: back to a person, with the reason.
            MessageStatus.FAILED: {
                "status": ActionStatus.TODO,
                "reason": f"message failed: {reason}"[:500],
            },
        }.get(status)
        if change:
            Action.objects.filter(pk=msg.action_id).update(**change)
    record(
        msg.org,
        f"message.{status}",
        actor=actor,
        data={
            "message": msg.pk,
            "subject": msg.subject,
            "to": msg.to_addresses,
            "reason": reason,
        },
        customer_id=msg.customer_id,
    )
    return True
