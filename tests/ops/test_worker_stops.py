"""The worker as a service manager treats it: SIGTERM stops it cleanly (the
job in hand finished, nothing left claimed), and a database connection cut
under it (a restart) is waited for, then the work goes on."""

import json
import os
import signal
import subprocess
import time

import pytest

from .conftest import RELANCE, ROOT, relance, shell_json

ORGS = """
from relance.orgs.services import create_organisation
from relance.ops.models import Schedule
for n in range({n}):
    org = create_organisation(f"{prefix}{{n}}", f"Org {{n}}")
    Schedule.objects.create(org=org, hour=0)  # due at once, whatever the hour
print("{{}}")
"""

STATE = """
import json
from relance.ops.models import Heartbeat, OrgDay
print(json.dumps({
    "days": list(OrgDay.objects.values_list("org__slug", "status")),
    "stopped": [b.stopped_at is not None for b in Heartbeat.objects.all()],
}))
"""


def start(env):
    return subprocess.Popen(
        [RELANCE, "worker", "--tick", "0.3"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(proc, outcome: str, seconds: float = 60) -> list[dict]:
    deadline, seen = time.monotonic() + seconds, []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if line.startswith("{"):
            seen.append(json.loads(line))
            if seen[-1].get("outcome") == outcome:
                return seen
    raise AssertionError(f"no {outcome!r} from the worker: {seen}")


def test_sigterm_finishes_the_job_in_hand_and_leaves_nothing_claimed(env):
    relance(env, "migrate", "--verbosity", "0")
    shell_json(env, ORGS.format(n=6, prefix="org"))
    worker = start(env)
    try:
        wait_for(worker, "done")
        worker.send_signal(signal.SIGTERM)
        lines = wait_for(worker, "stopped", 30)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    state = shell_json(env, STATE)
    assert {status for _, status in state["days"]} == {"done"}
    assert state["stopped"] == [True]
    assert not [x for x in lines if x.get("outcome") in ("failed", "lost")]


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"), reason="cuts PostgreSQL connections"
)
def test_a_database_restart_is_waited_for_then_the_work_goes_on(env):
    import psycopg

    relance(env, "migrate", "--verbosity", "0")
    shell_json(env, ORGS.format(n=1, prefix="first"))
    worker = start(env)
    try:
        wait_for(worker, "done")
        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
        shell_json(env, ORGS.format(n=1, prefix="second"))
        lines = wait_for(worker, "done", 60)
        assert lines[-1]["org"] == "second0"
        assert worker.poll() is None, "the worker survived"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
