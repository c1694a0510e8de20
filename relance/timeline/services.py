"""Appending to and verifying the timeline. Appends lock the organisation row so
the chain stays linear with several writers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from relance.core import chain

from .models import Event, chain_payload, utc_text


@dataclass(frozen=True, slots=True)
class NewEvent:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    customer_id: int | None = None
    invoice_id: int | None = None


_AS_IS = (str, int, float, bool, type(None))
_AS_TEXT = (Decimal, date)  # what chain.canonical writes with str()


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe data (Decimal and dates as strings), identical once stored.
    Flat data (most events) is converted directly; anything else goes through
    a JSON round trip."""
    flat = {}
    for key, value in data.items():
        if type(key) is not str:
            break
        if type(value) in _AS_IS:
            flat[key] = value
        elif type(value) in _AS_TEXT:
            flat[key] = str(value)
        else:
            break
    else:
        return flat
    return json.loads(chain.canonical(data))


@transaction.atomic
def record_many(
    org, events: Iterable[NewEvent], actor: str, at: datetime | None = None
) -> list[tuple[int, str]]:
    """Append events to the organisation's chain; (seq, hash) of each. Rows are
    written with plain INSERTs: an import of a million invoices appends a million
    events, and the ORM's per-object cost would dominate it."""
    from relance.orgs.models import Organisation

    events = list(events)
    if not events:
        return []
    locked = Organisation.objects.select_for_update().get(pk=org.pk)
    at = at or timezone.now()
    seq, head = locked.timeline_seq, locked.timeline_head
    to_json = connection.ops.adapt_json_value  # the data field's own preparation
    at_db = Event._meta.get_field("at").get_db_prep_save(at, connection)
    at_text = utc_text(at)
    rows, links = [], []
    for ev in events:
        seq += 1
        data = _plain(ev.data)
        payload = chain_payload(
            seq, at_text, actor, ev.kind, ev.customer_id, ev.invoice_id, data
        )
        digest = chain.link_hash(head, payload)
        rows.append(
            (
                org.pk,
                seq,
                at_db,
                actor,
                ev.kind,
                ev.customer_id,
                ev.invoice_id,
                to_json(data, None),
                head,
                digest,
            )
        )
        links.append((seq, digest))
        head = digest
    sql = (
        f"INSERT INTO {Event._meta.db_table} (org_id, seq, at, actor, kind, "
        "customer_id, invoice_id, data, prev_hash, hash) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10000):
            cursor.executemany(sql, rows[start : start + 10000])
    Organisation.objects.filter(pk=org.pk).update(timeline_seq=seq, timeline_head=head)
    org.timeline_seq, org.timeline_head = seq, head
    return links


def record(org, kind: str, actor: str, data=None, customer_id=None, invoice_id=None):
    return record_many(
        org, [NewEvent(kind, data or {}, customer_id, invoice_id)], actor=actor
    )[0]


def verify(org) -> chain.Verdict:
    """Recompute the whole chain of an organisation against its recorded head."""
    from relance.orgs.models import Organisation

    head = Organisation.objects.values_list("timeline_seq", "timeline_head").get(
        pk=org.pk
    )
    links = (
        chain.Link(e.seq, e.payload(), e.prev_hash, e.hash)
        for e in Event.objects.filter(org=org).order_by("seq").iterator(chunk_size=5000)
    )
    return chain.verify(links, head[0], head[1])
