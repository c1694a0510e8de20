"""Hash chain for the append-only timeline: each event's hash covers its content
and the previous hash, so editing, deleting or reordering a past event is
detectable.

Links are keyed (HMAC-SHA256 with a key kept outside the database), so someone
who can write the database cannot recompute them after an edit. Links made
before keys existed stay plain SHA-256 and still verify; once a keyed link is
in a chain, every later one must be keyed, so a rewrite cannot fall back to the
plain scheme. Checkpoints (hashes known at given positions, kept outside the
database) pin the chain against a rewrite by someone who has the key, up to the
last checkpoint, and against a truncated tail."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

GENESIS = "0" * 64
UNKEYED = "sha256"
KEYED = "hmac-sha256"

# What Verdict.problem says, in verification order.
MISSING = "missing"  # a sequence number is absent
BROKEN_LINK = "broken_link"  # prev_hash is not the previous event's hash
UNKNOWN_SCHEME = "unknown_scheme"
DOWNGRADED = "downgraded"  # a plain link after a keyed one
CONTENT = "content"  # the content (or the key) does not give the stored hash
REWRITTEN = "rewritten"  # the hash differs from a checkpoint's
TRUNCATED = "truncated"  # fewer events than a checkpoint counted
HEAD = "head"  # the chain does not end at the recorded head

NO_PINS: Mapping[int, str] = MappingProxyType({})


# One encoder for every call: json.dumps with options builds a new one each time,
# a cost that counts when an import appends a million events.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)


def canonical(payload: Mapping[str, Any]) -> bytes:
    return _ENCODER.encode(payload).encode()


def link_hash(
    prev_hash: str, payload: Mapping[str, Any], key: bytes | None = None
) -> str:
    return text_hash(prev_hash, _ENCODER.encode(payload), key)


def text_hash(prev_hash: str, canonical_text: str, key: bytes | None = None) -> str:
    """link_hash of a payload already written as canonical text: HMAC-SHA256
    with the key, plain SHA-256 (the scheme of links made before keys) without."""
    message = f"{prev_hash}\n{canonical_text}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    mac = _keyed(key).copy()
    mac.update(message)
    return mac.hexdigest()


@lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    """An HMAC with the key already mixed in: copying it costs less than
    starting again, which counts over a million appended events."""
    return hmac.new(key, digestmod="sha256")


def json_text(value: Any) -> str:
    """One value as canonical writes it."""
    return _ENCODER.encode(value)


@dataclass(frozen=True, slots=True)
class Link:
    seq: int
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str
    scheme: str = UNKEYED


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify(
    links: Iterable[Link],
    head_seq: int,
    head_hash: str,
    key: bytes | None = None,
    *,
    pins: Mapping[int, str] = NO_PINS,
    first_seq: int = 1,
) -> Verdict:
    """Check a chain in sequence order against the recorded head, the key and
    `pins` (seq -> hash from checkpoints). From `first_seq` past 1, the first
    link's prev_hash is taken as given: that link should be pinned."""
    prev, expected_seq, checked, keyed = None, first_seq, 0, False
    if first_seq == 1:
        prev = GENESIS
    for link in links:
        if link.seq != expected_seq:
            return Verdict(False, checked, expected_seq, MISSING)
        if prev is not None and link.prev_hash != prev:
            return Verdict(False, checked, link.seq, BROKEN_LINK)
        if link.scheme == KEYED:
            keyed = True
            if key is None:
                return Verdict(False, checked, link.seq, CONTENT)
            digest = link_hash(link.prev_hash, link.payload, key)
        elif link.scheme == UNKEYED:
            if keyed:
                return Verdict(False, checked, link.seq, DOWNGRADED)
            digest = link_hash(link.prev_hash, link.payload)
        else:
            return Verdict(False, checked, link.seq, UNKNOWN_SCHEME)
        if not hmac.compare_digest(digest, link.hash):
            return Verdict(False, checked, link.seq, CONTENT)
        if link.seq in pins and pins[link.seq] != link.hash:
            return Verdict(False, checked, link.seq, REWRITTEN)
        prev, expected_seq, checked = link.hash, expected_seq + 1, checked + 1
    last = expected_seq - 1
    if pins and max(pins) > last:
        return Verdict(False, checked, last + 1, TRUNCATED)
    if last != head_seq or (prev or GENESIS) != (head_hash if head_seq else GENESIS):
        return Verdict(False, checked, last + 1, HEAD)
    return Verdict(True, checked)
