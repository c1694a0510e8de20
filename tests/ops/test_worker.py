"""The worker in-process: each organisation's day at its own hour and time zone,
its watched folder, one claim per organisation-day, and each message released
when its window opens, against a real SMTP server on loopback."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from relance.comms.models import MessageStatus, OutboundMessage
from relance.dunning.models import Action
from relance.ops import claims
from relance.ops.cycle import run_org_day
from relance.ops.models import DayStatus, Heartbeat, OrgDay, Schedule
from relance.ops.worker import Worker, due_days
from tests.factories import make_invoice

TUESDAY = date(2026, 11, 24)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 24, hour, minute, tzinfo=UTC)


def test_each_organisation_runs_at_its_own_hour_in_its_time_zone(acme, other):
    """GIVEN Acme in Paris at 7h and Other Co in Montreal at 7h
    WHEN it is 7:30 in Paris (1:30 in Montreal)
    THEN only Acme's day is due, and once done it is due no more."""
    other.timezone = "America/Montreal"
    other.save()
    with time_machine.travel(at(6, 30), tick=False):
        assert due_days(at(6, 30)) == [(acme.pk, TUESDAY)]
        Worker(tick=0).tick()
    assert OrgDay.objects.get(org=acme, day=TUESDAY).status == DayStatus.DONE
    assert due_days(at(6, 30)) == []
    assert due_days(at(12, 30)) == [(other.pk, TUESDAY)]
    Schedule.objects.create(org=other, hour=9)
    assert due_days(at(12, 30)) == []


def test_a_day_claimed_is_run_once(acme):
    """GIVEN an overdue invoice WHEN its day is run twice THEN the second run
    finds the day done and writes nothing."""
    make_invoice(acme, "F-1", TUESDAY - timedelta(days=20))
    first = run_org_day(acme.pk, TUESDAY)
    assert first["actions"] == 1
    assert run_org_day(acme.pk, TUESDAY) is None
    assert Action.objects.filter(org=acme).count() == 1


def test_a_claim_held_by_a_live_worker_is_left_and_a_dead_ones_taken(acme, settings):
    settings.RELANCE_WORKER_LEASE_SECONDS = 60
    held = claims.claim(acme.pk, TUESDAY, "host-a:1")
    assert held is not None
    assert claims.claim(acme.pk, TUESDAY, "host-b:2") is None
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=61)):
        taken = claims.claim(acme.pk, TUESDAY, "host-b:2")
        assert taken.claimed_by == "host-b:2" and taken.attempts == 2
        with pytest.raises(claims.LeaseLost):
            claims.renew(held, "host-a:1")
        assert not claims.finish(held, "host-a:1", {})
        assert claims.finish(taken, "host-b:2", {"actions": 0})
    assert OrgDay.objects.get().status == DayStatus.DONE


def test_a_failed_day_waits_before_its_next_try(acme):
    row = claims.claim(acme.pk, TUESDAY, "w:1")
    claims.fail(row, "w:1", "OperationalError: gone")
    assert claims.claim(acme.pk, TUESDAY, "w:2") is None
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2)):
        assert claims.claim(acme.pk, TUESDAY, "w:2").attempts == 2


def test_the_watched_folder_is_imported_before_the_run(acme, tmp_path):
    """GIVEN an invoice export dropped in Acme's folder WHEN its day runs THEN
    the invoice is imported, chased the same day, and the file moved to done/."""
    (tmp_path / "invoices").mkdir()
    (tmp_path / "invoices" / "export.csv").write_text(
        "numero;client;email;date;echeance;montant_ttc\n"
        "F-9;Hôtel du Parc;compta@parc.example;01/10/2026;01/11/2026;1 440,00\n"
        "F-10;Hôtel du Parc;compta@parc.example;01/10/2026;pas encore;10,00\n"
    )
    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "junk.ofx").write_text("not a statement")
    Schedule.objects.create(org=acme, watch_dir=str(tmp_path))
    result = run_org_day(acme.pk, TUESDAY)
    assert result["files"]["imported"] == 1
    assert result["files"]["files"][0]["rejected"] == 1
    assert result["actions"] == 1
    assert (tmp_path / "done" / "invoices" / "export.csv").exists()
    assert not (tmp_path / "invoices" / "export.csv").exists()
    assert (tmp_path / "failed" / "bank" / "junk.ofx.error.txt").exists()


def test_each_message_goes_out_when_its_window_opens(acme, smtp):
    """GIVEN Acme's day run at 7h (Paris) WHEN the worker ticks before and after
    the reminder's window opens THEN nothing leaves before, and it leaves once."""
    make_invoice(acme, "F-1", TUESDAY - timedelta(days=20))
    with time_machine.travel(at(6, 5), tick=False):
        Worker(tick=0).tick()
    message = OutboundMessage.objects.get(org=acme)
    assert message.not_before > at(6, 5)
    assert message.status == MessageStatus.QUEUED and smtp.messages == []
    with time_machine.travel(message.not_before + timedelta(minutes=1), tick=False):
        Worker(tick=0).tick()
        Worker(tick=0).tick()
    assert len(smtp.messages) == 1
    assert OutboundMessage.objects.get(pk=message.pk).status == MessageStatus.SENT
    beat = Heartbeat.objects.get()
    assert beat.seen_at == message.not_before + timedelta(minutes=1)
