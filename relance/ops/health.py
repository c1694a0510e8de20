"""How the deployment is doing, for `relance status`, `/healthz` and the
dashboard: the database, each worker's heartbeat, each organisation's last
completed day, the outbox's backlog, and what is stuck. "Late" only means
something once a worker has run here: an installation run by hand or by cron
has no heartbeat and is never called late."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from relance.comms.models import MessageStatus, OutboundMessage
from relance.orgs.models import Organisation

from .models import DEFAULT_HOUR, DayStatus, Heartbeat, OrgDay, Schedule

# An organisation's day is late an hour after its hour; a message, an hour
# after its window opened; a worker is gone after three ticks (at least 2 min).
GRACE = timedelta(hours=1)


def worker_gone_after() -> timedelta:
    return max(
        timedelta(seconds=3 * settings.RELANCE_WORKER_TICK_SECONDS),
        timedelta(minutes=2),
    )


def database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return {"ok": False, "engine": connection.vendor, "error": str(exc)}
    return {"ok": True, "engine": connection.vendor}


def report(now: datetime | None = None, org: Organisation | None = None) -> dict:
    """The whole picture (or one organisation's); `ok` is False when the
    database is down or anything is stuck."""
    now = now or timezone.now()
    db = database()
    if not db["ok"]:
        return {"ok": False, "at": now, "database": db, "stuck": ["database"]}
    workers = _workers(now)
    orgs = _organisations(now, org, expected=bool(workers))
    outbox = _outbox(now, org)
    stuck = []
    for o in orgs:
        if f := o["failed"]:
            stuck.append(f"{o['org']}: {f['day']} failed {f['attempts']} time(s)")
        if o["late"]:
            stuck.append(f"{o['org']}: {o['today']} not done (due at {o['hour']}h)")
    if workers and not any(w["alive"] for w in workers):
        stuck.append("no worker alive")
    if outbox["late"]:
        stuck.append(f"{outbox['late']} message(s) due for over an hour")
    if outbox["stale"]:
        stuck.append(f"{outbox['stale']} message(s) stuck while sending")
    return {
        "ok": not stuck,
        "at": now,
        "database": db,
        "workers": workers,
        "organisations": orgs,
        "outbox": outbox,
        "stuck": stuck,
    }


def _workers(now) -> list[dict]:
    """A worker in the middle of a job (a large organisation's day) beats again
    when it is done: it is given its claim's lease before it counts as gone."""
    idle = now - worker_gone_after()
    busy = now - timedelta(seconds=settings.RELANCE_WORKER_LEASE_SECONDS)
    return [
        {
            "worker": b.worker,
            "seen_at": b.seen_at,
            "job": b.job,
            "alive": b.stopped_at is None and b.seen_at >= (busy if b.job else idle),
            "stopped_at": b.stopped_at,
        }
        for b in Heartbeat.objects.order_by("worker")
    ]


def _organisations(now, only, expected: bool) -> list[dict]:
    orgs = Organisation.objects.order_by("slug")
    if only is not None:
        orgs = orgs.filter(pk=only.pk)
    hours = dict(Schedule.objects.values_list("org_id", "hour"))
    last = dict(
        OrgDay.objects.filter(status=DayStatus.DONE)
        .values("org_id")
        .annotate(day=Max("day"))
        .values_list("org_id", "day")
    )
    failed = {}  # the latest failed day, unless a later day was done since
    for row in OrgDay.objects.filter(status=DayStatus.FAILED).order_by("day"):
        if last.get(row.org_id) is None or row.day > last[row.org_id]:
            failed[row.org_id] = row
    rows = []
    for org in orgs:
        local = now.astimezone(ZoneInfo(org.timezone))
        hour = hours.get(org.pk, DEFAULT_HOUR)
        due = local.replace(hour=hour, minute=0, second=0, microsecond=0) + GRACE
        row = failed.get(org.pk)
        rows.append(
            {
                "org": org.slug,
                "last_day": last.get(org.pk),
                "hour": hour,
                "timezone": org.timezone,
                "late": expected and local >= due and last.get(org.pk) != local.date(),
                "today": local.date(),
                "failed": row
                and {"day": row.day, "attempts": row.attempts, "error": row.error},
            }
        )
    return rows


def _outbox(now, org) -> dict:
    messages = OutboundMessage.objects.all()
    if org is not None:
        messages = messages.filter(org=org)
    stale = now - timedelta(minutes=settings.RELANCE_SEND_STALE_MINUTES)
    late = now - GRACE
    queued = Q(status=MessageStatus.QUEUED)
    counts = messages.aggregate(
        queued=Count("pk", filter=queued),
        due=Count(
            "pk", filter=queued & (Q(not_before__isnull=True) | Q(not_before__lte=now))
        ),
        late=Count(
            "pk",
            filter=queued
            & Q(not_before__lte=late)
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=late)),
        ),
        uncertain=Count("pk", filter=Q(status=MessageStatus.UNCERTAIN)),
        held=Count("pk", filter=Q(status=MessageStatus.HELD)),
        stale=Count("pk", filter=Q(status=MessageStatus.SENDING, claimed_at__lt=stale)),
    )
    if not settings.RELANCE_SMTP_HOST:  # previews by choice, not a backlog
        counts["late"] = 0
    return counts


def public(report: dict) -> dict:
    """What /healthz tells anyone who asks: counts, no names."""
    if "workers" not in report:
        return {"ok": False, "database": False}
    return {
        "ok": report["ok"],
        "database": report["database"]["ok"],
        "workers_alive": sum(w["alive"] for w in report["workers"]),
        "organisations_late": sum(
            bool(o["late"] or o["failed"]) for o in report["organisations"]
        ),
        "outbox": report["outbox"],
        "stuck": len(report["stuck"]),
    }


def notice(org: Organisation, now: datetime | None = None) -> list[str]:
    """For the organisation's administrators, in their language: what is late."""
    data = report(now, org)
    if not data["database"]["ok"]:
        return []
    lines = []
    for o in data["organisations"]:
        if f := o["failed"]:
            lines.append(
                _("The run of %(day)s failed %(attempts)s time(s): %(error)s")
                % {
                    "day": date_format(f["day"]),
                    "attempts": f["attempts"],
                    "error": f["error"],
                }
            )
        if o["late"]:
            lines.append(
                _("Today's run has not completed (it was due at %(hour)s h).")
                % {"hour": o["hour"]}
            )
    if data["workers"] and not any(w["alive"] for w in data["workers"]):
        lines.append(_("No worker is running: nothing is run or sent by itself."))
    late = data["outbox"]["late"] + data["outbox"]["stale"]
    if late:
        lines.append(
            ngettext(
                "%(n)s message has been waiting for over an hour to be sent.",
                "%(n)s messages have been waiting for over an hour to be sent.",
                late,
            )
            % {"n": late}
        )
    return lines
