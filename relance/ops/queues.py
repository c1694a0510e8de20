"""Running what the tasks backend queued, inside the worker: the database
backend's queue or RQ's on Redis, each until it is empty."""


def drain_rq(name: str) -> bool:
    """Run RQ's queued jobs in this process; True if a stop was asked meanwhile
    (RQ's worker takes SIGTERM while it runs and finishes the job in hand)."""
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    worker = django_rq.get_worker(
        "default", job_class=Job, worker_class=SimpleWorker, name=f"{name}:rq"
    )
    worker.work(burst=True, logging_level="WARNING", with_scheduler=False)
    return worker._stop_requested


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
