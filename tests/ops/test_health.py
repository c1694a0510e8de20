"""What `relance status`, `/healthz` and the dashboard say about the worker:
the database, heartbeats, each organisation's last day, the outbox, what is
stuck; counts only for /healthz, each organisation's own to its admins."""

import contextlib
import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from relance.comms.models import OutboundMessage
from relance.ops import claims
from relance.ops.health import report
from relance.ops.models import Heartbeat
from relance.ops.worker import Worker
from tests.conftest import PASSWORD
from tests.factories import make_invoice

TUESDAY = date(2026, 11, 24)
NINE_IN_PARIS = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def status(*args) -> dict:
    out = StringIO()
    with contextlib.suppress(CommandError):  # stuck: it says so and exits 1
        call_command("status", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_a_fresh_installation_is_healthy_and_never_late(acme):
    """No worker has ever run here (relance run by hand or cron): not late."""
    data = status()
    assert data["ok"] and data["database"]["ok"] and data["workers"] == []
    assert data["organisations"][0]["last_day"] is None


def test_status_reports_the_last_day_and_a_late_one(acme, other):
    with time_machine.travel(datetime(2026, 11, 23, 6, 30, tzinfo=UTC), tick=False):
        Worker(tick=0).tick()
    with time_machine.travel(NINE_IN_PARIS, tick=False):
        data = status()
        assert not data["ok"]
        assert {o["org"]: o["last_day"] for o in data["organisations"]} == {
            "acme": "2026-11-23",
            "other": "2026-11-23",
        }
        assert "acme: 2026-11-24 not done (due at 7h)" in data["stuck"]
        assert "no worker alive" in data["stuck"]
        with pytest.raises(CommandError, match="stuck"):
            call_command("status", stdout=StringIO())
        Worker(tick=0).tick()
        data = status()
        assert data["ok"], data["stuck"]
        assert data["workers"][0]["alive"]


def test_a_failed_day_and_late_messages_are_stuck(acme, settings):
    settings.RELANCE_SMTP_HOST = "127.0.0.1"
    row = claims.claim(acme.pk, TUESDAY, "w:1")
    claims.fail(row, "w:1", "OperationalError: server closed the connection")
    invoice = make_invoice(acme, "F-1", TUESDAY - timedelta(days=20))
    OutboundMessage.objects.create(
        org=acme,
        customer=invoice.customer,
        channel="email",
        to_addresses=["a@b.example"],
        subject="Relance",
        body_text="…",
        not_before=timezone.now() - timedelta(hours=2),
    )
    data = report()
    assert data["organisations"][0]["failed"]["attempts"] == 1
    assert data["outbox"]["late"] == 1 and data["outbox"]["due"] == 1
    assert "1 message(s) due for over an hour" in data["stuck"]


def test_healthz_says_ok_or_503_with_counts_and_no_names(client, acme):
    ok = client.get("/healthz")
    assert ok.status_code == 200 and ok.json()["ok"] and ok.json()["database"]
    row = claims.claim(acme.pk, TUESDAY, "w:1")
    claims.fail(row, "w:1", "boom")
    late = client.get("/healthz")
    assert late.status_code == 503
    assert late.json()["organisations_late"] == 1
    assert b"acme" not in late.content and b"boom" not in late.content


def test_the_dashboard_tells_admins_what_is_late_in_french(client, alice, acme, other):
    from relance.orgs.services import create_user

    create_user("cole@acme.example", acme, "collector", PASSWORD)
    Heartbeat.objects.create(
        worker="vm:1",
        started_at=timezone.now() - timedelta(days=1),
        seen_at=timezone.now() - timedelta(hours=3),
    )
    row = claims.claim(other.pk, TUESDAY, "w:1")
    claims.fail(row, "w:1", "other's trouble")
    client.login(username="alice@acme.example", password=PASSWORD)
    page = client.get("/").content.decode()
    assert "data-ops-late" in page
    assert "Aucun worker ne tourne" in page
    assert "other's trouble" not in page  # another organisation's day
    client.logout()
    client.login(username="cole@acme.example", password=PASSWORD)
    assert "data-ops-late" not in client.get("/").content.decode()


def test_the_container_probe_passes_while_the_web_app_answers(live_server, acme):
    from relance.ops.probe import main as probe
    from tests.mailservers import free_port

    assert probe(f"{live_server.url}/healthz") == 0
    row = claims.claim(acme.pk, TUESDAY, "w:1")
    claims.fail(row, "w:1", "boom")  # stuck: 503, and the web app still answers
    assert probe(f"{live_server.url}/healthz") == 0
    assert probe(f"http://127.0.0.1:{free_port()}/healthz") == 1


def test_a_worker_busy_with_a_large_day_is_alive_until_its_lease_runs_out(db, settings):
    settings.RELANCE_WORKER_LEASE_SECONDS = 600
    now = timezone.now()
    for name, job in (("vm:1", "org_day 1 2026-11-24"), ("vm:2", "")):
        Heartbeat.objects.create(
            worker=name, started_at=now, seen_at=now - timedelta(minutes=5), job=job
        )
    alive = {w["worker"]: w["alive"] for w in report(now)["workers"]}
    assert alive == {"vm:1": True, "vm:2": False}
    later = {
        w["worker"]: w["alive"] for w in report(now + timedelta(minutes=6))["workers"]
    }
    assert later == {"vm:1": False, "vm:2": False}


def test_a_failed_day_is_stuck_until_a_later_day_is_done(acme):
    row = claims.claim(acme.pk, TUESDAY, "w:1")
    claims.fail(row, "w:1", "boom")
    assert "acme: 2026-11-24 failed 1 time(s)" in report()["stuck"]
    later = claims.claim(acme.pk, TUESDAY + timedelta(days=1), "w:1")
    claims.finish(later, "w:1", {})
    assert report()["organisations"][0]["failed"] is None
