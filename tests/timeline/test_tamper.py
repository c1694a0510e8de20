import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from relance.timeline.models import Event
from relance.timeline.services import record, verify
from tests.factories import make_invoice


def verify_cmd(org):
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("timeline", "verify", "--org", org.slug, "--json", stdout=out)
        raise SystemExit(0)
    return exit_info.value.code, json.loads(out.getvalue())


def test_untouched_timeline_verifies(acme):
    make_invoice(acme, "F1", date(2026, 10, 1))
    record(acme, "note.added", actor="alice", data={"text": "rappelé"})
    code, data = verify_cmd(acme)
    assert code == 0 and data["ok"] and data["events"] == 2


def test_edited_event_is_found(acme, other):
    for n in range(4):
        record(acme, "note.added", actor="alice", data={"n": n})
    record(other, "note.added", actor="bob", data={})
    Event.objects.filter(org=acme, seq=3).update(data={"n": 999})
    code, data = verify_cmd(acme)
    assert code == 1
    # seq 1 is org.created, the notes are 2 to 5: events 1 and 2 check out.
    assert data == {
        "ok": False,
        "events": 2,
        "first_bad_seq": 3,
        "problem": "content does not match its hash",
    }
    assert verify(other).ok  # chains are per organisation


def test_deleted_last_event_is_found(acme):
    for n in range(3):
        record(acme, "note.added", actor="alice", data={"n": n})
    Event.objects.filter(org=acme, seq=3).delete()
    assert not verify(acme).ok


def test_rewritten_chain_without_the_head_is_found(acme):
    record(acme, "note.added", actor="alice", data={"n": 1})
    Event.objects.filter(org=acme).update(actor="mallory")
    assert verify(acme).first_bad_seq == 1


def test_saving_a_stale_organisation_does_not_rewind_the_chain(acme):
    from relance.orgs.models import Organisation

    stale = Organisation.objects.get(pk=acme.pk)
    record(acme, "note.added", actor="alice", data={"n": 1})
    stale.name = "Acme Conseil SA"
    stale.save()
    record(acme, "note.added", actor="alice", data={"n": 2})
    assert verify(acme).ok
    assert Organisation.objects.get(pk=acme.pk).name == "Acme Conseil SA"
