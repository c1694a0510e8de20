"""One organisation-day, one worker: the unique (org, day) row is the lock, and
its `claimed_at` a lease the worker renews between the steps of the day. A
worker that died stops renewing it, and another takes the day over once the
lease has run out; every step of the day is idempotent, so taking over repeats
nothing."""

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import DayStatus, OrgDay

# A failed day is tried again after these pauses (the last one repeats).
RETRY_MINUTES = (1, 5, 15, 60)


class LeaseLost(Exception):
    """Another worker took this day over: stop working on it."""


def lease() -> timedelta:
    return timedelta(seconds=settings.RELANCE_WORKER_LEASE_SECONDS)


def claim(org_id: int, day: date, me: str) -> OrgDay | None:
    """The day's row, now ours; None if it is done, held by another live
    worker, or waiting for its next try."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return OrgDay.objects.create(
                org_id=org_id,
                day=day,
                status=DayStatus.RUNNING,
                claimed_by=me,
                claimed_at=now,
            )
    except IntegrityError:
        pass
    row = OrgDay.objects.get(org_id=org_id, day=day)
    if row.status == DayStatus.DONE:
        return None
    alive = row.claimed_at > now - lease() and row.claimed_by != me
    if row.status == DayStatus.RUNNING and alive:
        return None
    if row.status == DayStatus.FAILED and row.next_try_at and row.next_try_at > now:
        return None
    taken = OrgDay.objects.filter(
        pk=row.pk,
        status=row.status,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
    ).update(
        status=DayStatus.RUNNING,
        claimed_by=me,
        claimed_at=now,
        attempts=F("attempts") + 1,
    )
    if taken != 1:
        return None
    row.refresh_from_db()
    return row


def _mine(row: OrgDay, me: str):
    return OrgDay.objects.filter(pk=row.pk, status=DayStatus.RUNNING, claimed_by=me)


def renew(row: OrgDay, me: str) -> None:
    if _mine(row, me).update(claimed_at=timezone.now()) != 1:
        raise LeaseLost(f"{row.org_id} {row.day}")


def finish(row: OrgDay, me: str, result: dict) -> bool:
    done = _mine(row, me).update(
        status=DayStatus.DONE, finished_at=timezone.now(), result=result, error=""
    )
    return done == 1


def fail(row: OrgDay, me: str, error: str) -> None:
    pause = RETRY_MINUTES[min(row.attempts, len(RETRY_MINUTES)) - 1]
    _mine(row, me).update(
        status=DayStatus.FAILED,
        next_try_at=timezone.now() + timedelta(minutes=pause),
        error=error[:2000],
    )
