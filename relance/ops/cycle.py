"""An organisation's daily cycle, run by whichever worker claims its day:
read the replies (a customer who wrote "paid yesterday" must not be chased),
import what was dropped in its watched folder, then run the day. Sending is
not part of it: the worker releases each message when its window opens."""

import time
from datetime import date

from relance.comms.inbox import MailboxError, fetch
from relance.comms.models import Mailbox
from relance.dunning.services import run_dunning
from relance.orgs.models import Organisation

from . import claims
from .identity import me
from .joblog import log_job
from .models import Schedule
from .watched import import_dropped

# An unreachable mailbox makes the day wait for it this many times (with the
# retry pauses of claims.RETRY_MINUTES); then the day runs without the replies.
MAILBOX_TRIES = 3


def run_org_day(org_id: int, day: date) -> dict | None:
    """Claim and run the organisation's day; None if another worker has it or
    it is done. Each step is idempotent, so a day taken over repeats nothing."""
    worker = me()
    row = claims.claim(org_id, day, worker)
    if row is None:
        return None
    started = time.monotonic()
    org = Organisation.objects.get(pk=org_id)
    try:
        result = {"replies": _replies(org, day, row.attempts)}
        claims.renew(row, worker)
        schedule = Schedule.objects.filter(org=org).first()
        if schedule and schedule.watch_dir:
            result["files"] = import_dropped(
                org, schedule.watch_dir, lambda: claims.renew(row, worker)
            )
        claims.renew(row, worker)
        run = run_dunning(org, day, actor="worker")
        result["actions"] = len(run["actions"])
        result["skipped"] = len(run["skipped"])
    except claims.LeaseLost:
        log_job("org_day", org=org.slug, day=day, outcome="lost", worker=worker)
        return None
    except Exception as exc:
        claims.fail(row, worker, f"{type(exc).__name__}: {exc}")
        log_job(
            "org_day",
            org=org.slug,
            day=day,
            outcome="failed",
            attempt=row.attempts,
            error=f"{type(exc).__name__}: {exc}",
            worker=worker,
        )
        return None
    outcome = "done" if claims.finish(row, worker, result) else "lost"
    seconds = round(time.monotonic() - started, 3)
    log_job(
        "org_day",
        org=org.slug,
        day=day,
        outcome=outcome,
        attempt=row.attempts,
        seconds=seconds,
        worker=worker,
        **{k: v for k, v in result.items() if k != "files"},
    )
    return result


def _replies(org: Organisation, day: date, attempt: int) -> dict:
    box = Mailbox.objects.filter(org=org).first()
    if box is None:
        return {"mailbox": None}
    try:
        counts = fetch(box, today=day)
    except MailboxError as exc:
        if attempt < MAILBOX_TRIES:
            raise
        return {"error": str(exc)}
    return {k: v for k, v in counts.items() if k != "problems"}
