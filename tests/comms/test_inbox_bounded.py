"""A reply is a stranger's bytes: reading one is bounded work whatever its size
or its headers (inbox.MAX_MESSAGE of the message, MAX_HEADER of each header
read, MAX_TEXT of its text)."""

import hashlib
import re
import time
from datetime import date
from email.message import EmailMessage

import pytest

from relance.comms.inbox import MAX_HEADER, MAX_MESSAGE, fetch, receive
from relance.comms.models import Reply
from relance.core.replies import MAX_TEXT

TODAY = date(2026, 10, 3)
SIZE = 100_000


def message(body: str = "Je paie demain.", subtype="plain", **headers) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Compta <compta@client.example>"
    msg["Subject"] = "paiement"
    for name, value in headers.items():
        del msg[name.replace("_", "-")]
        msg[name.replace("_", "-")] = value
    msg.set_content(body, subtype=subtype)
    return bytes(msg)


def raw_message(headers: bytes, body: bytes = b"Je paie demain.") -> bytes:
    return b"From: compta@client.example\r\n" + headers + b"\r\n\r\n" + body


BIG = 900_000  # a header as long as a message may be
ADVERSARIAL = {
    "digits body": message("1" * SIZE),
    "spaces and digits body": message("1 " * (SIZE // 2)),
    "a million, repeated": message("1 000 000 " * (SIZE // 10)),
    "many lines": message("le 12\n" * (SIZE // 6)),
    "html of unclosed tags": message("<a " * (SIZE // 3), subtype="html"),
    "html of nested tags": message("<<b>" * (SIZE // 4), subtype="html"),
    "long subject": raw_message(b"Subject: " + b"1 000 " * (BIG // 6)),
    "long references": raw_message(b"References: " + b"<a@b> " * (BIG // 6)),
    "unclosed message ids": raw_message(b"In-Reply-To: " + b"<a" * (BIG // 2)),
    "nested comments in From": raw_message(b"Reply-To: x\r\nFrom: " + b"(" * BIG),
    "encoded words": raw_message(b"Subject: " + b"=?utf-8?q?a?= " * (BIG // 14)),
    "long content type": raw_message(b"Content-Type: text/plain; a=" + b"b;" * BIG),
    "many headers": raw_message(b"X-A: 1\r\n" * (BIG // 8)),
    "one long header line": raw_message(b"Subject: " + b"a" * BIG),
    "nested parts": raw_message(
        b'Content-Type: multipart/mixed; boundary="b"',
        b'--b\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' * 20_000,
    ),
    "many parts": raw_message(
        b'Content-Type: multipart/mixed; boundary="b"', b"--b\r\n\r\nx\r\n" * BIG
    ),
    "many parts with long types": raw_message(
        b'Content-Type: multipart/mixed; boundary="b"',
        b"--b\r\nContent-Type: text/plain; a=" + b"b;" * 2_000 + b"\r\n\r\nx\r\n" * 500,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADVERSARIAL, ids=str)
def test_an_adversarial_reply_is_read_within_a_second(acme, name):
    """GIVEN a reply built to make a parser or a pattern work hard
    WHEN it is received
    THEN it is stored, and reading it took under a second."""
    started = time.perf_counter()
    assert receive(acme, ADVERSARIAL[name], TODAY) == "unmatched"
    assert time.perf_counter() - started < 1.0
    reply = Reply.objects.get()
    assert len(reply.subject) <= 300
    assert len(reply.body_text) <= MAX_TEXT


@pytest.mark.django_db
def test_a_huge_message_is_read_only_up_to_its_bound(acme):
    """GIVEN a 20 MB reply whose words come first, an attachment after
    WHEN it is received
    THEN only its first MAX_MESSAGE bytes are parsed: fast, and the words read."""
    msg = EmailMessage()
    msg["From"] = "compta@client.example"
    msg["Subject"] = "paiement"
    msg.set_content("Le virement partira demain.")
    msg.add_attachment(b"\x00" * 15_000_000, maintype="application", subtype="pdf")
    raw = bytes(msg)
    assert len(raw) > 19 * MAX_MESSAGE
    started = time.perf_counter()
    assert receive(acme, raw, TODAY) == "unmatched"
    assert time.perf_counter() - started < 1.0
    assert Reply.objects.get().kind == "promise"


@pytest.mark.django_db
def test_each_header_is_read_up_to_its_bound(acme):
    """GIVEN a subject longer than MAX_HEADER whose end says it is out of office
    WHEN it is received
    THEN the end is not read."""
    raw = raw_message(b"Subject: " + b"x" * MAX_HEADER + b" automatic reply")
    receive(acme, raw, TODAY)
    assert Reply.objects.get().kind != "out_of_office"


def test_the_mailbox_hands_over_only_the_first_bytes_of_a_huge_message(acme, imap):
    """GIVEN a 3 MB reply with no Message-ID in the IMAP mailbox (Dovecot on
    loopback)
    WHEN the mailbox is read
    THEN relance fetched only its first MAX_MESSAGE bytes (the reply is named by
    their digest) and read its words."""
    msg = EmailMessage()
    msg["From"] = "compta@client.example"
    msg["Subject"] = "paiement"
    msg.set_content("Le virement partira demain.")
    msg.add_attachment(b"\x01" * 3_000_000, maintype="application", subtype="pdf")
    raw = re.sub(rb"\r?\n", b"\r\n", bytes(msg))  # as IMAP APPEND sends it
    imap(raw)
    assert fetch(imap.mailbox, today=TODAY)["unmatched"] == 1
    reply = Reply.objects.get()
    digest = hashlib.sha256(raw[:MAX_MESSAGE]).hexdigest()
    assert reply.message_id == f"<sha256-{digest}>"
    assert reply.kind == "promise"


@pytest.mark.django_db
def test_a_delivery_report_naming_thousands_of_recipients_is_read_in_part(acme):
    """GIVEN a delivery report naming 7,000 failed recipients
    WHEN it is received
    THEN it is read within a second and only the first MAX_PARTS are marked."""
    from relance.comms.inbox import MAX_PARTS
    from relance.ledger.models import Contact
    from tests.factories import make_invoice

    make_invoice(acme, "F1", TODAY, email="a1@b.example")
    blocks = b"".join(
        b"Final-Recipient: rfc822; a%d@b.example\r\nAction: failed\r\n"
        b"Status: 5.1.1\r\n\r\n" % i
        for i in range(7000)
    )
    raw = (
        b"From: MAILER-DAEMON@mx.example\r\nContent-Type: multipart/report; "
        b'report-type=delivery-status; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nfailed\r\n--b\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        + blocks
        + b"--b--\r\n"
    )
    started = time.perf_counter()
    assert receive(acme, raw, TODAY) == "bounces"
    assert time.perf_counter() - started < 1.0
    assert MAX_PARTS < 7000
    assert Contact.objects.get(email="a1@b.example").email_failing_since is not None
