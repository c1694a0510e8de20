"""The sender against mail servers on loopback that misbehave: one that closes
the connection (421) after a few messages, resets it, stalls, and two senders
at once against a slow one. Each message arrives once; only a message whose
hand-over was cut is left `uncertain`."""

import asyncio
import os
import re
import socket
import struct
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta
from email import message_from_bytes
from itertools import pairwise

import pytest
from aiosmtpd.controller import Controller
from django.db import connections
from django.utils import timezone

from relance.comms.models import OutboundMessage
from relance.comms.services import send_outbox
from relance.dunning.services import run_dunning
from relance.timeline.models import Event
from tests.factories import make_invoice
from tests.mailservers import free_port

DUE = date(2026, 10, 1)


class Server:
    """Keeps the Message-ID of each message it accepted. `misbehave(command,
    count, server)` is awaited before each MAIL, RCPT and DATA reply."""

    def __init__(self):
        self.accepted = Counter()
        self.counts = Counter()

    async def misbehave(self, command, count, server):
        return None

    async def _hook(self, command, server):
        self.counts[command] += 1
        await self.misbehave(command, self.counts[command], server)

    async def handle_MAIL(self, server, session, envelope, address, options):
        await self._hook("MAIL", server)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        await self._hook("RCPT", server)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await self._hook("DATA", server)
        if server.transport is None or server.transport.is_closing():
            return "451 gone"  # the reply nobody reads
        self.accepted[message_from_bytes(envelope.content)["Message-ID"]] += 1
        return "250 Message accepted for delivery"


def reset(server) -> None:
    """Close the connection with a TCP reset, as a crashing server would."""
    sock = server.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    server.transport.abort()


@contextmanager
def serving(settings, handler, **server_kwargs):
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **server_kwargs)
    controller.start()
    settings.RELANCE_SMTP_HOST = "127.0.0.1"
    settings.RELANCE_SMTP_PORT = port
    settings.RELANCE_SMTP_TLS = "none"
    settings.RELANCE_SMTP_TIMEOUT = 1
    settings.RELANCE_SMTP_RECONNECT_SECONDS = 0.2
    try:
        yield handler
    finally:
        controller.stop()


def queue(org, n: int) -> list[str]:
    """One reminder for each of n customers; their Message-IDs in sending order."""
    for i in range(n):
        make_invoice(
            org, f"F{i}", DUE, customer_ref=f"C{i}", email=f"compta{i}@c.example"
        )
    run_dunning(org, DUE + timedelta(days=1))
    return list(OutboundMessage.objects.order_by("pk").values_list("message_id"))


def statuses() -> Counter:
    return Counter(OutboundMessage.objects.values_list("status", flat=True))


def test_a_server_closing_every_few_messages_gets_each_once(acme, settings):
    # GIVEN a server that answers 421 and hangs up at the 6th MAIL of a connection
    with serving(settings, Server(), command_call_limit={"MAIL": 5}) as server:
        ids = queue(acme, 12)
        # WHEN the outbox is sent
        counts = send_outbox(acme)
    # THEN the sender reconnected twice and every message went exactly once
    assert (counts["sent"], counts["uncertain"], counts["retry"]) == (12, 0, 0)
    assert statuses() == {"sent": 12}
    assert server.accepted == Counter(mid for (mid,) in ids)


class ResetsBeforeData(Server):
    async def misbehave(self, command, count, server):
        if command == "RCPT" and count == 3:
            reset(server)


class StallsOnce(Server):
    async def misbehave(self, command, count, server):
        if command == "MAIL" and count == 2:
            await asyncio.sleep(1.5)  # longer than RELANCE_SMTP_TIMEOUT


@pytest.mark.parametrize("handler", [ResetsBeforeData, StallsOnce])
def test_a_connection_lost_before_the_message_went_is_sent_again(
    acme, settings, handler
):
    with serving(settings, handler()) as server:
        ids = queue(acme, 4)
        counts = send_outbox(acme)
    assert (counts["sent"], counts["uncertain"]) == (4, 0)
    assert server.accepted == Counter(mid for (mid,) in ids)


class ResetsDuringData(Server):
    async def misbehave(self, command, count, server):
        if command == "DATA" and count == 2:
            reset(server)  # the content arrived; the final reply never goes


def test_a_reset_during_data_leaves_exactly_that_message_uncertain(acme, settings):
    with serving(settings, ResetsDuringData()) as server:
        ids = [mid for (mid,) in queue(acme, 4)]
        counts = send_outbox(acme)
    assert (counts["sent"], counts["uncertain"]) == (3, 1)
    cut = OutboundMessage.objects.get(message_id=ids[1])
    assert cut.status == "uncertain" and "while sending" in cut.status_reason
    assert statuses() == {"sent": 3, "uncertain": 1}
    # the messages after it went on a new connection, once each
    assert server.accepted == Counter([ids[0], ids[2], ids[3]])


class DropsTwice(Server):
    async def misbehave(self, command, count, server):
        if command == "MAIL" and count <= 2:
            reset(server)


def test_drops_are_retried_with_growing_pauses(acme, settings):
    with serving(settings, DropsTwice()) as server:
        (mid,), _ = queue(acme, 2)
        started = time.monotonic()
        counts = send_outbox(acme)
        elapsed = time.monotonic() - started
    # at once, then after RELANCE_SMTP_RECONNECT_SECONDS (0.2 s here)
    assert counts["sent"] == 2 and server.counts["MAIL"] == 4
    assert elapsed >= 0.2
    assert server.accepted[mid] == 1


class AlwaysDrops(Server):
    async def misbehave(self, command, count, server):
        if command == "MAIL":
            reset(server)


def test_a_server_that_keeps_dropping_leaves_the_batch_queued(acme, settings):
    with serving(settings, AlwaysDrops()) as server:
        queue(acme, 3)
        counts = send_outbox(acme)
    assert (counts["retry"], counts["uncertain"], counts["sent"]) == (1, 0, 0)
    # the first message tried four times (at once, then after pauses), then
    # the batch stops
    assert server.counts["MAIL"] == 4
    first, *rest = OutboundMessage.objects.order_by("pk")
    assert first.status == "queued" and first.next_attempt_at > timezone.now()
    assert "connection lost before sending" in first.status_reason
    assert [(m.status, m.attempts) for m in rest] == [("queued", 0), ("queued", 0)]


class Slow(Server):
    async def misbehave(self, command, count, server):
        if command == "DATA":
            await asyncio.sleep(0.1)


class Slower(Server):
    """Each message takes four minutes by the clock, as on a congested server."""

    def __init__(self, clock):
        super().__init__()
        self.clock = clock

    async def misbehave(self, command, count, server):
        if command == "DATA":
            self.clock.shift(timedelta(minutes=4))


def test_each_message_is_claimed_at_its_own_instant(acme, settings, time_machine):
    # GIVEN a batch far longer than the stale window (5 x 4 minutes > 10)
    settings.RELANCE_SEND_STALE_MINUTES = 10
    time_machine.move_to("2026-12-01 09:00 +0100", tick=False)
    with serving(settings, Slower(time_machine)):
        queue(acme, 5)
        send_outbox(acme)
    claims = OutboundMessage.objects.order_by("pk").values_list("claimed_at", flat=True)
    # THEN each claim is stamped when its message was taken, not at the start
    gaps = [b - a for a, b in pairwise(claims)]
    assert gaps == [timedelta(minutes=4)] * 4
    assert statuses() == {"sent": 5}


# SQLite's in-memory test database locks whole tables between threads: two
# senders at once are tested on PostgreSQL (and on SQLite by the test above).
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"), reason="concurrent senders: PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_never_take_live_work_for_dead(acme, settings):
    # GIVEN a slow server, a batch lasting several times the stale window
    settings.RELANCE_SEND_STALE_MINUTES = 1 / 60  # one second
    with serving(settings, Slow()) as server:
        ids = queue(acme, 24)
        errors = []

        def sender(delay):
            try:
                time.sleep(delay)
                send_outbox(acme)
                # a second sender keeps starting while the first one works
                while OutboundMessage.objects.filter(status="queued").exists():
                    send_outbox(acme)
            except Exception as exc:  # reported by the test thread
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=sender, args=(d,)) for d in (0, 1.2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert not errors
    # THEN no message in flight was taken for dead, and each arrived once
    assert not Event.objects.filter(kind="message.uncertain").exists()
    assert statuses() == {"sent": 24}
    assert server.accepted == Counter(mid for (mid,) in ids)
    claimed_by = set(OutboundMessage.objects.values_list("claimed_by", flat=True))
    assert len(claimed_by) >= 2
    assert all(re.fullmatch(r"[^:]+:\d+:[0-9a-f]{8}", c) for c in claimed_by)
