"""Event data is stored as JSON and hashed as stored: whatever an event carries,
the hash written at append time must be the one recomputed from the database."""

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.core import chain
from relance.core.policy import Channel
from relance.core.scoring import Segment
from relance.formats.invoices_csv import InvoiceRecord
from relance.ledger.services import created_event
from relance.timeline.models import Event, chain_payload, chain_text
from relance.timeline.services import NewEvent, record_many, stored_text, verify

scalars = st.one_of(
    st.text(max_size=20),
    st.sampled_from([*Channel, *Segment]),  # text enums, as a run's events carry
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(
    st.dictionaries(st.text(max_size=8), values, max_size=6)
    | st.dictionaries(st.integers(), values, max_size=6)
)
def test_stored_text_is_stable_through_storage(data):
    text = stored_text(data)
    assert text == chain.canonical(json.loads(chain.canonical(data))).decode()
    assert stored_text(json.loads(text)) == text


@given(
    st.integers(min_value=1),
    st.text(),
    st.text(),
    st.none() | st.integers(min_value=1),
    st.none() | st.integers(min_value=1),
    st.dictionaries(st.text(max_size=8), values, max_size=4),
)
def test_chain_text_is_the_canonical_payload(seq, actor, kind, customer, invoice, data):
    at = "2026-11-22T08:00:00.123456+00:00"
    text = stored_text(data)
    payload = chain_payload(seq, at, actor, kind, customer, invoice, json.loads(text))
    assert chain_text(seq, at, actor, kind, customer, invoice, text) == (
        chain.canonical(payload).decode()
    )


@given(
    st.text(min_size=1),
    st.decimals(min_value=Decimal("0.01"), allow_nan=False, places=2),
    st.dates(),
)
def test_an_imported_invoice_event_is_written_as_stored_text_would(number, total, due):
    record = InvoiceRecord(2, number, "C1", "C1", (), due, due, total)
    event = created_event(record, 1, 2)
    assert event.text == stored_text(event.data)


@pytest.mark.django_db
def test_events_of_every_shape_verify_after_storage(acme):
    record_many(
        acme,
        [
            NewEvent("flat", {"total": Decimal("12.50"), "due": date(2026, 1, 31)}),
            NewEvent("nested", {"lines": [{"n": 1, "paid": Decimal("3")}]}),
            NewEvent("instant", {"at": datetime(2026, 1, 2, 3, 4)}),
            NewEvent("int keys", {1: "one", 10: "ten", 9: "nine"}),
            NewEvent("accents", {"client": "Société Générale — Nîmes"}),
        ],
        actor="test",
    )
    assert verify(acme).ok
    stored = Event.objects.get(org=acme, kind="flat").data
    assert stored == {"total": "12.50", "due": "2026-01-31"}


def test_an_action_event_is_written_directly_as_canonical_json_would():
    data = {
        "action": 7,
        "invoices": ["F-1", 'F "2"', "Fé\\3"],
        "needs_approval": False,
        "reason": "12 days past due",
    }
    assert stored_text(data) == chain.canonical(data).decode()
