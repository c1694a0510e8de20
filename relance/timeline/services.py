"""Appending to and verifying the timeline. Appends lock the organisation row so
the chain stays linear with several writers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from relance import bulk
from relance.core import chain

from .models import Event, chain_text, utc_text


class NewEvent(NamedTuple):
    """An event to append. A named tuple: an import builds a million."""

    kind: str
    data: dict[str, Any] | None = None
    customer_id: int | None = None
    invoice_id: int | None = None
    # stored_text(data), when the caller writes it itself: an import writes a
    # million events of one shape (see ledger.services.created_event).
    text: str | None = None


QUOTE = json.encoder.encode_basestring  # the quoting of chain.canonical


def stored_text(data: dict[str, Any]) -> str:
    """The data's canonical JSON text, as it is stored and hashed: Decimal and
    dates become strings, so reading it back and encoding again gives the same
    text. Flat data with text keys and plain values (text enums included) or
    lists of text (most events: a million on a large import, one per action on
    a run) is written directly; anything else makes a JSON round trip first
    (integer keys, for one, sort differently once they are text)."""
    items = []
    for key, value in data.items():
        kind = type(value)
        if type(key) is not str:
            break
        if kind is str:
            items.append((key, QUOTE(value)))
        elif kind is int:
            items.append((key, int.__repr__(value)))
        elif value is None:
            items.append((key, "null"))
        elif kind is bool:
            items.append((key, "true" if value else "false"))
        elif kind is Decimal or kind is date:
            items.append((key, QUOTE(str(value))))
        elif kind is list and all(type(x) is str for x in value):
            items.append((key, "[" + ",".join(map(QUOTE, value)) + "]"))
        elif isinstance(value, str):  # an enum of text: JSON writes its value
            items.append((key, QUOTE(str.__str__(value))))
        else:
            break
    else:
        items.sort()
        return "{" + ",".join(f"{QUOTE(k)}:{v}" for k, v in items) + "}"
    return chain.json_text(json.loads(chain.json_text(data)))


@transaction.atomic
def record_many(
    org, events: Iterable[NewEvent], actor: str, at: datetime | None = None
) -> list[tuple[int, str]]:
    """Append events to the organisation's chain; (seq, hash) of each. Rows are
    written in bulk (relance.bulk): an import of a million invoices appends a
    million events, and the ORM's per-object cost would dominate it."""
    from relance.orgs.models import Organisation

    events = list(events)
    if not events:
        return []
    locked = Organisation.objects.select_for_update().get(pk=org.pk)
    links: list[tuple[int, str]] = []
    bulk.insert(
        Event,
        [
            "org_id",
            "seq",
            "at",
            "actor",
            "kind",
            "customer_id",
            "invoice_id",
            "data",
            "prev_hash",
            "hash",
            "scheme",
        ],
        _chained(
            org.pk,
            events,
            actor,
            at or timezone.now(),
            (locked.timeline_seq, locked.timeline_head),
            links,
            settings.TIMELINE_KEY,
        ),
    )
    seq, head = links[-1]
    Organisation.objects.filter(pk=org.pk).update(timeline_seq=seq, timeline_head=head)
    org.timeline_seq, org.timeline_head = seq, head
    return links


def _chained(org_id, events, actor, at, after: tuple[int, str], links: list, key):
    """Event rows, each keyed-hashed with the one before; (seq, hash) of each is
    appended to `links` as its row is made."""
    seq, head = after
    at_db = Event._meta.get_field("at").get_db_prep_save(at, connection)
    at_text = utc_text(at)
    for ev in events:
        seq += 1
        data_text = stored_text(ev.data or {}) if ev.text is None else ev.text
        digest = chain.text_hash(
            head,
            chain_text(
                seq, at_text, actor, ev.kind, ev.customer_id, ev.invoice_id, data_text
            ),
            key,
        )
        # data as JSON text: SQLite stores it, PostgreSQL casts it
        yield (
            org_id,
            seq,
            at_db,
            actor,
            ev.kind,
            ev.customer_id,
            ev.invoice_id,
            data_text,
            head,
            digest,
            chain.KEYED,
        )
        links.append((seq, digest))
        head = digest


def record(org, kind: str, actor: str, data=None, customer_id=None, invoice_id=None):
    return record_many(
        org, [NewEvent(kind, data, customer_id, invoice_id)], actor=actor
    )[0]


def verify(org, pins=chain.NO_PINS, after: int = 0) -> chain.Verdict:
    """Recompute an organisation's chain, with the timeline key, against its
    recorded head and `pins` (seq -> hash, from checkpoints); from event `after`
    on only, when it is pinned (so a checkpoint need not rehash the whole past)."""
    from relance.orgs.models import Organisation

    head = Organisation.objects.values_list("timeline_seq", "timeline_head").get(
        pk=org.pk
    )
    first = max(after, 1)
    links = (
        chain.Link(e.seq, e.payload(), e.prev_hash, e.hash, e.scheme)
        for e in Event.objects.filter(org=org, seq__gte=first)
        .order_by("seq")
        .iterator(chunk_size=5000)
    )
    return chain.verify(links, *head, settings.TIMELINE_KEY, pins=pins, first_seq=first)
