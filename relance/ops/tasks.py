"""The worker's jobs through Django's tasks API: run by the worker itself with
the immediate backend, or queued in the database or Redis (RQ) for whichever
worker takes them. Queueing a job twice is harmless: the day's claim and each
message's claim are in the database."""

from datetime import date

from django_tasks import task

from relance.comms.services import send_outbox

from .cycle import run_org_day
from .identity import me
from .joblog import log_job


@task()
def org_day_task(org_id: int, day: str) -> dict | None:
    return run_org_day(org_id, date.fromisoformat(day))


@task()
def send_due_task() -> dict:
    """Release the messages whose send window has opened."""
    counts = send_outbox()
    moved = ("sent", "failed", "retry", "uncertain")
    if any(counts.get(k) for k in moved) or (counts["held"] and "smtp" not in counts):
        log_job("send", worker=me(), **counts)
    return counts
