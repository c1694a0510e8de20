"""Worker processes as deployed: `relance` subprocesses on a data directory of
their own (and, on PostgreSQL, a database of their own on the test server),
with a real Redis server on loopback when the RQ backend is tested."""

import json
import os
import secrets
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.mailservers import free_port, wait_for_port

RELANCE = str(Path(sys.executable).with_name("relance"))
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway Redis on loopback, nothing written to disk."""
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is missing: scripts/system-deps.sh installs it")
    port = free_port()
    log = tmp_path / "redis.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, proc, log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def own_database(url: str | None):
    """On PostgreSQL, a database of its own, dropped afterwards."""
    if not url:
        yield None
        return
    import psycopg

    name = f"relance_ops_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        RELANCE_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
    )
    with own_database(os.environ.get("DATABASE_URL")) as url:
        if url:
            env["DATABASE_URL"] = url
        yield env


def relance(env, *args, ok=True, timeout=120):
    proc = subprocess.run(
        [RELANCE, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=ROOT,
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def shell_json(env, code: str):
    """Run Python in a relance shell of that data directory; its printed JSON."""
    out = relance(env, "shell", "-c", code).stdout
    return json.loads(out.strip().splitlines()[-1])
