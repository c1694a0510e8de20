from dataclasses import replace

from relance.core import chain


def build(n):
    links, prev = [], chain.GENESIS
    for seq in range(1, n + 1):
        payload = {"seq": seq, "kind": "x", "data": {"n": seq}}
        digest = chain.link_hash(prev, payload)
        links.append(chain.Link(seq, payload, prev, digest))
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
    assert not verdict.ok and "missing" in verdict.problem
