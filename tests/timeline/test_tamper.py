"""Someone who can write the database edits the timeline: every way we know
of is found by `relance timeline verify`, as long as the data directory's keys
are out of their reach."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from relance.core import chain
from relance.orgs.models import Organisation
from relance.timeline import checkpoints
from relance.timeline.models import Event
from relance.timeline.services import record, verify
from tests.factories import make_invoice


def verify_cmd(org, *extra):
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "timeline", "verify", "--org", org.slug, "--json", *extra, stdout=out
        )
        raise SystemExit(0)
    return exit_info.value.code, json.loads(out.getvalue())


def notes(org, n):
    for i in range(n):
        record(org, "note.added", actor="alice", data={"n": i})


def rehash(org, from_seq, key=None, scheme=None):
    """What write access to the database allows: recompute every link from
    `from_seq` on (with `key`, or the old unkeyed algorithm) and move the head."""
    prev = (
        Event.objects.get(org=org, seq=from_seq - 1).hash
        if from_seq > 1
        else chain.GENESIS
    )
    for event in Event.objects.filter(org=org, seq__gte=from_seq).order_by("seq"):
        event.prev_hash, event.hash = prev, chain.link_hash(prev, event.payload(), key)
        event.scheme = scheme or event.scheme
        event.save()
        prev = event.hash
    Organisation.objects.filter(pk=org.pk).update(timeline_head=prev)


def test_untouched_timeline_verifies(acme):
    make_invoice(acme, "F1", date(2026, 10, 1))
    record(acme, "note.added", actor="alice", data={"text": "rappelé"})
    code, data = verify_cmd(acme)
    assert code == 0 and data["ok"] and data["events"] == 2
    assert set(Event.objects.values_list("scheme", flat=True)) == {chain.KEYED}


def test_edited_event_is_found(acme, other):
    notes(acme, 4)
    record(other, "note.added", actor="bob", data={})
    Event.objects.filter(org=acme, seq=3).update(data={"n": 999})
    code, data = verify_cmd(acme)
    assert code == 1
    # seq 1 is org.created, the notes are 2 to 5: events 1 and 2 check out.
    assert (data["ok"], data["events"], data["first_bad_seq"], data["problem"]) == (
        False,
        2,
        3,
        "content",
    )
    assert verify(other).ok  # chains are per organisation


def test_edit_rehashed_with_the_old_algorithm_is_found(acme):
    """The finding: edit an event, re-hash every later link the old unkeyed way
    and move the head. The keyed links no longer match."""
    notes(acme, 4)
    Event.objects.filter(org=acme, seq=3).update(data={"n": 999})
    rehash(acme, 3)
    code, data = verify_cmd(acme)
    assert (code, data["first_bad_seq"], data["problem"]) == (1, 3, "content")


def test_edit_rehashed_as_old_events_is_a_downgrade(acme):
    notes(acme, 4)
    Event.objects.filter(org=acme, seq=3).update(data={"n": 999})
    rehash(acme, 3, scheme=chain.UNKEYED)
    code, data = verify_cmd(acme)
    assert (code, data["first_bad_seq"], data["problem"]) == (1, 3, "downgraded")


def test_whole_chain_rewritten_as_old_events_is_found_by_the_checkpoint(acme):
    notes(acme, 4)
    checkpoints.write(acme)
    Event.objects.filter(org=acme, seq=3).update(data={"n": 999})
    rehash(acme, 1, scheme=chain.UNKEYED)
    code, data = verify_cmd(acme)
    assert (code, data["first_bad_seq"], data["problem"]) == (1, 5, "rewritten")


def test_rewrite_with_a_guessed_key_is_found(acme):
    notes(acme, 4)
    Event.objects.filter(org=acme, seq=3).update(data={"n": 999})
    rehash(acme, 3, key=b"0" * 64)
    code, data = verify_cmd(acme)
    assert (code, data["first_bad_seq"], data["problem"]) == (1, 3, "content")


def test_rewrite_with_the_key_before_a_checkpoint_is_found(acme, settings):
    """Someone who also holds the timeline key, but not the signing key."""
    notes(acme, 4)
    checkpoints.write(acme)
    notes(acme, 2)
    Event.objects.filter(org=acme, seq=3).update(data={"n": 999})
    rehash(acme, 3, key=settings.TIMELINE_KEY)
    code, data = verify_cmd(acme)
    assert (code, data["first_bad_seq"], data["problem"]) == (1, 5, "rewritten")


def test_deleted_last_events_are_found_by_the_checkpoint(acme):
    notes(acme, 4)
    checkpoints.write(acme)
    Event.objects.filter(org=acme, seq__gt=3).delete()
    third = Event.objects.get(org=acme, seq=3)
    Organisation.objects.filter(pk=acme.pk).update(
        timeline_seq=3, timeline_head=third.hash
    )
    code, data = verify_cmd(acme)
    assert (code, data["first_bad_seq"], data["problem"]) == (1, 4, "truncated")


def test_deleted_last_event_is_found(acme):
    notes(acme, 3)
    Event.objects.filter(org=acme, seq=3).delete()
    assert not verify(acme).ok


def test_rewritten_chain_without_the_head_is_found(acme):
    record(acme, "note.added", actor="alice", data={"n": 1})
    Event.objects.filter(org=acme).update(actor="mallory")
    assert verify(acme).first_bad_seq == 1


def test_events_hashed_before_keys_verify_followed_by_keyed_ones(acme):
    """GIVEN a chain recorded before keys (as migration 0003 leaves it) WHEN
    keyed events follow THEN it verifies, and its old part is pinned too."""
    notes(acme, 2)
    rehash(acme, 1, scheme=chain.UNKEYED)  # as the old code wrote it
    notes(acme, 2)
    schemes = list(Event.objects.filter(org=acme).values_list("scheme", flat=True))
    assert schemes == [chain.UNKEYED] * 3 + [chain.KEYED] * 2
    assert verify_cmd(acme)[0] == 0
    Event.objects.filter(org=acme, seq=2).update(data={"n": 999})
    rehash(acme, 2)  # the old part rewritten: the first keyed link breaks
    code, data = verify_cmd(acme)
    assert (code, data["first_bad_seq"], data["problem"]) == (1, 4, "content")


def test_saving_a_stale_organisation_does_not_rewind_the_chain(acme):
    stale = Organisation.objects.get(pk=acme.pk)
    record(acme, "note.added", actor="alice", data={"n": 1})
    stale.name = "Acme Conseil SA"
    stale.save()
    record(acme, "note.added", actor="alice", data={"n": 2})
    assert verify(acme).ok
    assert Organisation.objects.get(pk=acme.pk).name == "Acme Conseil SA"


def test_a_new_organisation_is_checkpointed_before_its_first_run(
    db, django_capture_on_commit_callbacks
):
    """Rewriting a young chain in the old unkeyed scheme, before any daily run,
    is caught by the checkpoint written when the organisation was created."""
    from relance.orgs.services import create_organisation

    with django_capture_on_commit_callbacks(execute=True):
        young = create_organisation("young", "Jeune SAS")
    assert [c.events for c in checkpoints.read(young)[0]] == [1]
    notes(young, 3)
    rehash(young, 1, scheme=chain.UNKEYED)
    code, data = verify_cmd(young)
    assert (code, data["first_bad_seq"], data["problem"]) == (1, 1, "rewritten")
