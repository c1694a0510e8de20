"""Signed checkpoints of the timeline's head, outside the database: written by
the daily run and on demand, exported with their public key, checked by
`relance timeline verify`."""

import base64
import json
import stat
from datetime import date, timedelta
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command

from relance.core import chain
from relance.dunning.services import run_dunning
from relance.orgs.models import Organisation
from relance.timeline import checkpoints
from relance.timeline.models import Event
from relance.timeline.services import record
from tests.factories import make_invoice
from tests.timeline.test_tamper import notes, verify_cmd


def timeline(*args):
    out = StringIO()
    code = 0
    try:
        call_command("timeline", *args, stdout=out)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def lines(org):
    return checkpoints.file_for(org).read_text().splitlines()


def test_the_daily_run_ends_with_a_checkpoint_of_the_head(acme, settings):
    make_invoice(acme, "F1", date(2026, 10, 1))
    result = run_dunning(acme, date(2026, 10, 6))
    acme.refresh_from_db()
    [line] = lines(acme)
    written = json.loads(line)["checkpoint"]
    last = Event.objects.get(org=acme, seq=acme.timeline_seq)
    assert written == {
        "org": "acme",
        "org_id": acme.pk,
        "events": acme.timeline_seq,
        "last_event_id": last.id,
        "head": acme.timeline_head,
        "at": written["at"],
        "scheme": "hmac-sha256",
    }
    assert result["actions"] and not result["warnings"]
    path = checkpoints.file_for(acme)
    assert path.parent == settings.TIMELINE_CHECKPOINTS_DIR
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    run_dunning(acme, date(2026, 10, 6), dry_run=True)
    assert len(lines(acme)) == 1  # a dry run writes nothing
    assert verify_cmd(acme)[1]["checkpoints"] == 1


def test_a_broken_chain_gets_no_checkpoint(acme, other):
    notes(acme, 2)
    Event.objects.filter(org=acme, seq=2).update(actor="mallory")
    code, out = timeline("checkpoint", "--json")
    data = json.loads(out)
    assert code == 1
    assert [c["org"] for c in data["checkpoints"]] == ["other"]
    assert data["broken"] == [{"org": "acme", "problem": "content", "first_bad_seq": 2}]
    assert not checkpoints.file_for(acme).exists()
    make_invoice(acme, "F1", date(2026, 10, 1))
    warnings = run_dunning(acme, date(2026, 10, 6))["warnings"]
    assert {"reason": "timeline_broken", "problem": "content", "first_bad_seq": 2} in (
        warnings
    )


def test_a_checkpoint_checks_the_events_since_the_last_one(acme):
    notes(acme, 2)
    checkpoints.write(acme)
    notes(acme, 2)
    Event.objects.filter(org=acme, seq=5).update(actor="mallory")
    with pytest.raises(checkpoints.TimelineBroken) as broken:
        checkpoints.write(acme)
    assert broken.value.verdict.first_bad_seq == 5


def test_a_forged_checkpoint_line_is_found(acme):
    notes(acme, 2)
    checkpoints.write(acme)
    item = json.loads(lines(acme)[0])
    item["checkpoint"]["events"] = 2  # hide the last event from the checkpoint
    other_key = Ed25519PrivateKey.generate()  # or sign it with another key
    signed = {
        "checkpoint": item["checkpoint"],
        "signature": base64.b64encode(
            other_key.sign(chain.canonical(item["checkpoint"]))
        ).decode(),
    }
    with checkpoints.file_for(acme).open("a") as file:
        file.write(json.dumps(item) + "\n" + json.dumps(signed) + "\nnot json\n")
    code, data = verify_cmd(acme)
    assert (code, data["problem"], data["checkpoints"]) == (1, "bad_signature", 1)
    assert [(r["line"], r["problem"]) for r in data["rejected_checkpoints"]] == [
        (2, "bad_signature"),
        (3, "bad_signature"),
        (4, "unreadable"),
    ]


def test_an_exported_copy_holds_when_the_local_checkpoints_are_gone(acme, tmp_path):
    """GIVEN checkpoints exported elsewhere WHEN someone with the machine
    deletes the local file and the last events THEN the copy finds it."""
    notes(acme, 3)
    checkpoints.write(acme)
    copy = tmp_path / "audit.json"
    code, out = timeline("export-checkpoints", "--org", "acme", "--out", str(copy))
    assert code == 0 and "1 checkpoint(s)" in out
    exported = json.loads(copy.read_text())
    assert exported["public_key"] == checkpoints.public_key_pem()
    assert exported["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert len(exported["checkpoints"]) == 1
    checkpoints.file_for(acme).unlink()
    Event.objects.filter(org=acme, seq=4).delete()
    third = Event.objects.get(org=acme, seq=3)
    Organisation.objects.filter(pk=acme.pk).update(
        timeline_seq=3, timeline_head=third.hash
    )
    assert verify_cmd(acme)[0] == 0  # the database alone looks fine
    checkpoints.write(acme)  # and gets a checkpoint of its own
    code, data = verify_cmd(acme, "--checkpoints", str(copy))
    assert (code, data["problem"], data["first_bad_seq"]) == (1, "truncated", 4)
    assert (data["latest_checkpoint"]["events"], data["checkpoints"]) == (4, 2)
    code, data = verify_cmd(acme, "--checkpoints", str(checkpoints.file_for(acme)))
    assert (code, data["checkpoints"]) == (0, 1)  # a copy counts its own once


def test_checkpoints_of_another_organisation_are_refused(acme, other, tmp_path):
    checkpoints.write(other)
    copy = tmp_path / "other.jsonl"
    copy.write_text(checkpoints.file_for(other).read_text())
    code, data = verify_cmd(acme, "--checkpoints", str(copy))
    assert (code, data["problem"]) == (1, "other_organisation")


def test_checkpoint_and_public_key_commands(acme):
    record(acme, "note.added", actor="alice", data={})
    code, out = timeline("checkpoint", "--org", "acme", "--json")
    [written] = json.loads(out)["checkpoints"]
    assert (code, written["events"], written["org"]) == (0, 2, "acme")
    code, out = timeline("public-key", "--json")
    assert json.loads(out) == {
        "algorithm": "ed25519",
        "public_key": checkpoints.public_key_pem(),
    }
    with checkpoints.file_for(acme).open("a") as file:
        file.write("not json\n")
    code, out = timeline("export-checkpoints", "--org", "acme", "--json")
    [exported] = json.loads(out)["checkpoints"]
    # Signed again, byte for byte as the file has it.
    assert json.dumps(exported, sort_keys=True, ensure_ascii=False) == lines(acme)[0]
    assert exported["checkpoint"] == written


def test_the_verdict_is_said_in_french_and_in_english(acme, settings):
    notes(acme, 1)
    checkpoints.write(acme)
    assert verify_cmd(acme)[1]["message"] == (
        "Le journal est intact : 2 événements ; points de contrôle signés : 1."
    )
    Event.objects.filter(org=acme, seq=2).update(actor="mallory")
    assert verify_cmd(acme)[1]["message"] == (
        "L'événement 2 ne correspond pas à son empreinte : il a été modifié, ou "
        "haché avec une autre clé."
    )
    settings.LANGUAGE_CODE = "en"
    assert verify_cmd(acme)[1]["message"] == (
        "Event 2 does not match its hash: it was edited, or hashed with another key."
    )
    code, out = timeline("verify", "--org", "acme")
    assert code == 1 and out.startswith("TAMPERED: Event 2 does not match")


def test_a_week_of_runs_keeps_verifying(acme):
    make_invoice(acme, "F1", date(2026, 10, 1))
    for day in range(7):
        run_dunning(acme, date(2026, 10, 5) + timedelta(days=day))
    code, data = verify_cmd(acme)
    assert (code, data["checkpoints"]) == (0, 7)
