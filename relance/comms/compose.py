"""The email that goes out for a stored outbox message: text and HTML, the
invoices attached, threaded with the customer's earlier reminders, DKIM-signed
when the deployment has a key for the sender's domain."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape, urlize

from .models import MessageStatus, OutboundMessage
from .scan_to_pay import scan_files
from .tracking import tracked

log = logging.getLogger(__name__)

# Steps whose email carries the invoices it is about.
ATTACH_STEPS = {"pre_reminder", "reminder_1", "reminder_2", "reminder_3"}
# Beyond this many invoices, one statement of account instead of each PDF.
MAX_INVOICE_FILES = 3
# Reminders sent further apart than this start a new thread: a year-old
# exchange about other invoices is not the same conversation.
THREAD_DAYS = 120
MAX_REFERENCES = 10
SIGNED_HEADERS = [
    b"From",
    b"To",
    b"Cc",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"In-Reply-To",
    b"References",
    b"MIME-Version",
    b"Content-Type",
]


def attachments_for(step: str, invoices) -> list[dict]:
    """What a step's email will carry, named when it is rendered."""
    if step not in ATTACH_STEPS or not invoices:
        return []
    if len(invoices) > MAX_INVOICE_FILES:
        return [{"statement": [inv.pk for inv in invoices]}]
    return [{"invoice": inv.pk} for inv in invoices if inv.document]


def html_body(text: str, lang: str) -> str:
    """The HTML alternative, made from the stored text so that both say the
    same: paragraphs, the invoice lines as a list, links clickable."""
    parts = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        items = [x for x in lines if x.lstrip().startswith("- ")]
        if items and len(items) == len(lines):
            lis = "".join(f"<li>{urlize(escape(x.lstrip()[2:]))}</li>" for x in lines)
            parts.append(f"<ul>{lis}</ul>")
        else:
            inner = "<br>\n".join(urlize(escape(x)) for x in lines)
            parts.append(f"<p>{inner}</p>")
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '</head>\n<body style="font-family: Arial, sans-serif; font-size: 14px; '
        'line-height: 1.5; color: #222;">\n'
        f"{body}\n</body></html>\n"
    )


def thread_of(msg: OutboundMessage) -> tuple[str, list[str]]:
    """In-Reply-To and References: the customer's earlier emails, most recent
    last, so that a mail client shows the reminders as one conversation."""
    if msg.channel != "email":
        return "", []
    since = (msg.created_at or msg.not_before) - timedelta(days=THREAD_DAYS)
    earlier = list(
        OutboundMessage.objects.filter(
            org_id=msg.org_id,
            customer_id=msg.customer_id,
            channel="email",
            status=MessageStatus.SENT,
            sent_at__gte=since,
        )
        .exclude(pk=msg.pk)
        .order_by("-sent_at", "-id")
        .values_list("message_id", flat=True)[:MAX_REFERENCES]
    )
    earlier.reverse()
    return (earlier[-1] if earlier else ""), earlier


def files_for(msg: OutboundMessage) -> list[tuple[str, bytes, str]]:
    """The attachments' names, bytes and types, read or made at sending."""
    from relance.ledger.models import Invoice

    files = []
    for item in msg.attachments:
        if "invoice" in item:
            inv = Invoice.objects.filter(org_id=msg.org_id, pk=item["invoice"]).first()
            if inv is None or not inv.document:
                continue  # removed since: the text still names the invoice
            try:
                with inv.document.open("rb") as fh:
                    files.append((f"{inv.number}.pdf", fh.read(), "application/pdf"))
            except OSError:
                log.warning("invoice %s: document %s unreadable", inv.pk, inv.document)
        elif "statement" in item:
            statement = _statement_file(msg, item["statement"])
            if statement:
                files.append(statement)
    return files


def _statement_file(msg, invoice_ids) -> tuple[str, bytes, str] | None:
    """The statement PDF; None when a rate it needs is not in the table yet
    (the message still lists every invoice)."""
    from relance.core.rates import MissingRate
    from relance.formats.letters_pdf import statement_pdf
    from relance.ledger.models import Invoice
    from relance.legal.documents import (
        customer_statement,
        party_for_customer,
        party_for_org,
    )

    numbers = set(
        Invoice.objects.filter(org_id=msg.org_id, pk__in=invoice_ids).values_list(
            "number", flat=True
        )
    )
    as_of = msg.action.run_date if msg.action_id else msg.created_at.date()
    try:
        st = customer_statement(msg.org, msg.customer, as_of).only(numbers)
    except MissingRate as exc:
        log.warning("message %s: no statement attached: %s", msg.pk, exc)
        return None
    pdf = statement_pdf(
        party_for_org(msg.org), party_for_customer(msg.customer), st, msg.language
    )
    name = "releve" if msg.language == "fr" else "statement"
    return f"{name}-{msg.customer.ref}-{as_of:%Y%m%d}.pdf", pdf, "application/pdf"


def build(msg: OutboundMessage, in_reply_to: str, references: list[str]) -> bytes:
    """The message as it goes on the wire (CRLF), signed when configured."""
    headers = {"Message-ID": msg.message_id, "Auto-Submitted": "auto-generated"}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = " ".join(references)
    email = EmailMultiAlternatives(
        subject=msg.subject,
        body=msg.body_text,
        from_email=msg.from_address,
        to=msg.to_addresses,
        cc=msg.cc_addresses,
        reply_to=[msg.reply_to] if msg.reply_to else None,
        headers=headers,
    )
    html = tracked(html_body(msg.body_text, msg.language), msg)
    email.attach_alternative(html, "text/html")
    for name, content, mimetype in [*files_for(msg), *scan_files(msg)]:
        email.attach(name, content, mimetype)
    data = email.message().as_bytes(linesep="\r\n")
    return sign(data, envelope_sender(msg))


def envelope_sender(msg: OutboundMessage) -> str:
    return parseaddr(msg.from_address)[1]


def sign(data: bytes, sender: str) -> bytes:
    """Prepend a DKIM-Signature when the sender's domain is the one the
    deployment holds a key for; anything else goes unsigned."""
    domain = settings.RELANCE_DKIM_DOMAIN
    if not (domain and settings.RELANCE_DKIM_SELECTOR):
        return data
    if sender.rpartition("@")[2].lower() != domain.lower():
        return data
    import dkim

    signature = dkim.sign(
        data,
        settings.RELANCE_DKIM_SELECTOR.encode(),
        domain.encode(),
        _key(settings.RELANCE_DKIM_KEY_FILE),
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=SIGNED_HEADERS,
    )
    return signature + data


@lru_cache(maxsize=4)
def _key(path: str) -> bytes:
    return Path(path).read_bytes()
