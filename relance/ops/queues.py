"""Running what the tasks backend queued, inside the worker: the database
backend's queue or RQ's on Redis, each until it is empty."""

import logging
from functools import cache


@cache
def _rq_worker(name: str):
    """One RQ worker for this process, registered with Redis while it lives."""
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    worker = django_rq.get_worker(
        "default", job_class=Job, worker_class=SimpleWorker, name=f"{name}:rq"
    )
    worker.log.setLevel(logging.WARNING)  # our own line per job says enough
    worker.register_birth()
    return worker


def drain_rq(name: str) -> None:
    """Run RQ's queued jobs in this process, one at a time, until none is left
    (a job another worker took is not seen: Redis hands each out once)."""
    from django_tasks_rq.backend import Job
    from rq import Queue

    worker = _rq_worker(name)
    while got := Queue.dequeue_any(
        worker.queues, None, connection=worker.connection, job_class=Job
    ):
        worker.execute_job(*got)


def forget_rq(name: str) -> None:
    if _rq_worker.cache_info().currsize:
        _rq_worker(name).register_death()


def drain_db(name: str) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=name[:64],
        excluded_queue_names=[],
    ).run()
