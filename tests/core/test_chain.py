import hashlib
import hmac
from dataclasses import replace

from relance.core import chain

KEY = b"k" * 32


def build(n, key=None, start=1, prev=chain.GENESIS, kind="x"):
    """n links from `start` on: keyed with `key`, plain SHA-256 without."""
    links, scheme = [], chain.UNKEYED if key is None else chain.KEYED
    for seq in range(start, start + n):
        payload = {"seq": seq, "kind": kind, "data": {"n": seq}}
        digest = chain.link_hash(prev, payload, key)
        links.append(chain.Link(seq, payload, prev, digest, scheme))
        prev = digest
    return links


def test_intact_chain_verifies():
    links = build(5)
    assert chain.verify(links, 5, links[-1].hash).ok


def test_edited_content_is_found():
    links = build(5)
    links[2] = replace(links[2], payload={**links[2].payload, "data": {"n": 99}})
    verdict = chain.verify(links, 5, links[-1].hash)
    assert (verdict.ok, verdict.first_bad_seq) == (False, 3)


def test_deleted_and_truncated_events_are_found():
    links = build(5)
    assert chain.verify(links[:2] + links[3:], 5, links[-1].hash).first_bad_seq == 3
    verdict = chain.verify(links[:4], 5, links[-1].hash)
    assert (verdict.ok, verdict.problem) == (False, chain.HEAD)


def test_a_keyed_chain_verifies_with_its_key_only():
    links = build(5, KEY)
    assert chain.verify(links, 5, links[-1].hash, KEY).ok
    for key in (b"guess" * 8, None):
        verdict = chain.verify(links, 5, links[-1].hash, key)
        assert (verdict.ok, verdict.first_bad_seq, verdict.problem) == (
            False,
            1,
            chain.CONTENT,
        )


def test_a_chain_rehashed_without_the_key_is_found():
    """GIVEN a keyed chain WHEN event 3 is edited and every link from it is
    recomputed with plain SHA-256, scheme included THEN it is a downgrade."""
    links = build(2, KEY)
    forged = links + build(3, start=3, prev=links[-1].hash, kind="forged")
    verdict = chain.verify(forged, 5, forged[-1].hash, KEY)
    assert (verdict.first_bad_seq, verdict.problem) == (3, chain.DOWNGRADED)


def test_plain_links_before_keyed_ones_verify_and_are_pinned_by_them():
    plain = build(3)
    links = plain + build(3, KEY, start=4, prev=plain[-1].hash)
    assert chain.verify(links, 6, links[-1].hash, KEY).ok
    # Rewriting the plain prefix breaks the first keyed link, which covers it.
    prefix = [plain[0], *build(2, start=2, prev=plain[0].hash, kind="forged")]
    forged = [*prefix, replace(links[3], prev_hash=prefix[-1].hash), *links[4:]]
    verdict = chain.verify(forged, 6, forged[-1].hash, KEY)
    assert (verdict.first_bad_seq, verdict.problem) == (4, chain.CONTENT)


def test_pins_find_a_rewrite_by_the_key_holder_and_a_truncated_tail():
    links = build(5, KEY)
    pins = {3: links[2].hash}
    assert chain.verify(links, 5, links[-1].hash, KEY, pins=pins).ok
    forged = [links[0], *build(4, KEY, start=2, prev=links[0].hash, kind="forged")]
    verdict = chain.verify(forged, 5, forged[-1].hash, KEY, pins=pins)
    assert (verdict.first_bad_seq, verdict.problem) == (3, chain.REWRITTEN)
    verdict = chain.verify(links[:2], 2, links[1].hash, KEY, pins=pins)
    assert (verdict.first_bad_seq, verdict.problem) == (3, chain.TRUNCATED)


def test_verifying_from_a_pinned_event_on():
    links = build(6, KEY)
    pins = {4: links[3].hash}
    verdict = chain.verify(links[3:], 6, links[-1].hash, KEY, pins=pins, first_seq=4)
    assert (verdict.ok, verdict.checked) == (True, 3)
    changed = replace(links[3], prev_hash="e" * 64)
    verdict = chain.verify([changed, *links[4:]], 6, links[-1].hash, KEY, first_seq=4)
    assert (verdict.first_bad_seq, verdict.problem) == (4, chain.CONTENT)


def test_keyed_links_are_plain_hmac_sha256_so_any_tool_can_check_them():
    message = b"0" * 64 + b'\n{"kind":"x"}'
    assert chain.link_hash("0" * 64, {"kind": "x"}, KEY) == (
        hmac.new(KEY, message, hashlib.sha256).hexdigest()
    )
    assert chain.link_hash("0" * 64, {"kind": "x"}) == (
        hashlib.sha256(message).hexdigest()
    )
