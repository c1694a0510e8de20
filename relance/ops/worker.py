"""The long-running worker: every tick it says it is alive, queues the day of
each organisation whose hour has come (in its own time zone), releases the
messages whose window has opened, and runs what is queued. SIGTERM lets the
job in hand finish (each is one transaction or idempotent steps), then stops;
a lost database is waited for."""

import signal
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections
from django.utils import timezone

from relance.orgs.models import Organisation

from .identity import me
from .joblog import log_job
from .models import DEFAULT_HOUR, DayStatus, Heartbeat, OrgDay, Schedule
from .tasks import org_day_task, send_due_task


def due_days(now: datetime) -> list[tuple[int, date]]:
    """Each organisation's local day whose hour has come and is not done."""
    hours = dict(Schedule.objects.values_list("org_id", "hour"))
    done = set(
        OrgDay.objects.filter(
            status=DayStatus.DONE, day__gte=(now - timedelta(days=2)).date()
        ).values_list("org_id", "day")
    )
    due = []
    for org_id, tz in Organisation.objects.values_list("pk", "timezone"):
        local = now.astimezone(ZoneInfo(tz))
        come = local.hour >= hours.get(org_id, DEFAULT_HOUR)
        if come and (org_id, local.date()) not in done:
            due.append((org_id, local.date()))
    return due


def first_undone(days: list[date]) -> list[tuple[int, date]]:
    """For a catch-up over `days`: each organisation's earliest day not done,
    so one organisation's days run in order."""
    done = {}
    for org_id, day in OrgDay.objects.filter(
        status=DayStatus.DONE, day__in=days
    ).values_list("org_id", "day"):
        done.setdefault(org_id, set()).add(day)
    due = []
    for org_id in Organisation.objects.values_list("pk", flat=True).order_by("pk"):
        left = [d for d in days if d not in done.get(org_id, set())]
        if left:
            due.append((org_id, left[0]))
    return due


class Worker:
    def __init__(self, tick: float | None = None, days: list[date] | None = None):
        self.tick_seconds = (
            settings.RELANCE_WORKER_TICK_SECONDS if tick is None else tick
        )
        self.days = days
        self.stopping = False
        self.name = me()

    def stop(self, signum=None, frame=None) -> None:
        self.stopping = True

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        log_job("worker", worker=self.name, outcome="started")
        while not self.stopping:
            try:
                finished = self.tick()
            except DatabaseError as exc:  # the database went away: wait for it
                log_job("worker", worker=self.name, outcome="database", error=str(exc))
                for conn in connections.all():
                    conn.close()
                finished = False
            if finished:
                break
            self._sleep()
        self._beat("", stopped=True)
        if settings.TASKS["default"]["BACKEND"].endswith("RQBackend"):
            from .queues import forget_rq

            forget_rq(self.name)
        log_job("worker", worker=self.name, outcome="stopped")

    def tick(self) -> bool:
        """One round; True when a catch-up over fixed days is complete."""
        if not connection.in_atomic_block:  # (a test's transaction is kept)
            close_old_connections()
        now = timezone.now()
        due = first_undone(self.days) if self.days else due_days(now)
        for org_id, day in due:
            if self.stopping:
                return False
            self._beat(f"org_day {org_id} {day}")
            org_day_task.enqueue(org_id, day.isoformat())
            self.drain()
        if not self.stopping:
            self._beat("send")
            send_due_task.enqueue()
            self.drain()
        self._beat("")
        return bool(self.days) and not first_undone(self.days)

    def drain(self) -> None:
        """Run what is queued, when the backend queues (database or RQ)."""
        backend = settings.TASKS["default"]["BACKEND"]
        if backend.endswith("RQBackend"):
            from .queues import drain_rq

            drain_rq(self.name)
        elif backend.endswith("DatabaseBackend"):
            from .queues import drain_db

            drain_db(self.name)

    def _beat(self, job: str, stopped: bool = False) -> None:
        now = timezone.now()
        Heartbeat.objects.update_or_create(
            worker=self.name,
            defaults={
                "seen_at": now,
                "job": job,
                "stopped_at": now if stopped else None,
            },
            create_defaults={"started_at": now, "seen_at": now, "job": job},
        )

    def _sleep(self) -> None:
        end = time.monotonic() + self.tick_seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(0.2, self.tick_seconds))
