"""Hash chain for the append-only timeline: each event's hash covers its content
and the previous hash, so editing, deleting or reordering a past event is
detectable."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


# One encoder for every call: json.dumps with options builds a new one each time,
# a cost that counts when an import appends a million events.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)


def canonical(payload: Mapping[str, Any]) -> bytes:
    return _ENCODER.encode(payload).encode()


def link_hash(prev_hash: str, payload: Mapping[str, Any]) -> str:
    return text_hash(prev_hash, _ENCODER.encode(payload))


def text_hash(prev_hash: str, canonical_text: str) -> str:
    """link_hash of a payload already written as canonical text."""
    return hashlib.sha256(f"{prev_hash}\n{canonical_text}".encode()).hexdigest()


def json_text(value: Any) -> str:
    """One value as canonical writes it."""
    return _ENCODER.encode(value)


@dataclass(frozen=True, slots=True)
class Link:
    seq: int
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify(links: Iterable[Link], head_seq: int, head_hash: str) -> Verdict:
    """Check a chain in sequence order against the recorded head."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for link in links:
        if link.seq != expected_seq:
            return Verdict(
                False, checked, expected_seq, f"event {expected_seq} missing"
            )
        if link.prev_hash != prev:
            return Verdict(False, checked, link.seq, "link to previous event broken")
        if link_hash(prev, link.payload) != link.hash:
            return Verdict(False, checked, link.seq, "content does not match its hash")
        prev, expected_seq, checked = link.hash, expected_seq + 1, checked + 1
    if checked != head_seq or prev != (head_hash if head_seq else GENESIS):
        return Verdict(False, checked, checked + 1, "events missing after the last one")
    return Verdict(True, checked)
