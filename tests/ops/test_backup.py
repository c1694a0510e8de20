"""relance backup and restore as an administrator runs them: a backup taken
while the worker writes, restored into an empty data directory, verifies."""

import json
import os
import subprocess
import tarfile

import pytest

from .conftest import RELANCE, ROOT, own_database, relance, shell_json

SETUP = """
from datetime import date
from relance.ledger.services import import_invoices
from relance.orgs.services import create_organisation
from relance.dunning.services import run_dunning
org = create_organisation("lea", "Léa", sender_email="compta@lea.example")
rows = "numero;client;email;date;echeance;montant_ttc\\n" + "\\n".join(
    f"F-{n};Client {n};c{n}@client.example;01/09/2026;01/10/2026;{100 + n},00"
    for n in range(30))
import_invoices(org, rows.encode(), "f.csv", actor="test")
run_dunning(org, date(2026, 10, 6))
print("{}")
"""


def test_a_backup_taken_while_the_worker_runs_restores_and_verifies(env, tmp_path):
    relance(env, "migrate", "--verbosity", "0")
    shell_json(env, SETUP)
    worker = subprocess.Popen(
        [RELANCE, "worker", "--days", "2026-10-07..2026-10-20", "--tick", "0"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        out = tmp_path / "backup.tar.gz"
        made = json.loads(relance(env, "backup", str(out), "--json").stdout)
    finally:
        worker.wait(timeout=120)
    assert made["files"] >= 4 and out.stat().st_mode & 0o077 == 0
    with tarfile.open(out) as tar:
        names = set(tar.getnames())
    assert {"data/timeline_key", "data/timeline_signing_key", "data/field_key"} <= names
    assert made["database"] in names

    with own_database(os.environ.get("DATABASE_URL")) as url:
        restored = {**env, "RELANCE_DATA_DIR": str(tmp_path / "empty")}
        if url:  # a second, empty database on the same server
            restored["DATABASE_URL"] = url
        check_restored(restored, out)


def check_restored(restored, out):
    relance(restored, "restore", str(out), "--json")
    verdict = json.loads(
        relance(restored, "timeline", "verify", "--org", "lea", "--json").stdout
    )
    assert verdict["ok"], verdict
    assert verdict["events"] > 30
    again = relance(restored, "restore", str(out), ok=False)
    assert again.returncode != 0 and "empty" in again.stderr


DUMP = [
    "dumpdata",
    "--format",
    "xml",
    "--natural-foreign",
    "--exclude",
    "contenttypes",
    "--exclude",
    "auth.permission",
    "--exclude",
    "sessions",
    "--exclude",
    "axes",
    "-o",
]


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"), reason="moves SQLite to PostgreSQL"
)
def test_the_documented_move_to_postgresql_keeps_the_timeline_verifiable(env, tmp_path):
    """GIVEN a ledger on SQLite WHEN it is moved as docs/DEPLOY.md says THEN
    every chain verifies against its checkpoints on PostgreSQL."""
    sqlite = {k: v for k, v in env.items() if k != "DATABASE_URL"}
    relance(sqlite, "migrate", "--verbosity", "0")
    shell_json(sqlite, SETUP)
    dump = tmp_path / "relance.xml"
    relance(sqlite, *DUMP, str(dump))
    relance(env, "migrate", "--verbosity", "0")
    relance(env, "loaddata", str(dump))
    verdict = json.loads(
        relance(env, "timeline", "verify", "--org", "lea", "--json").stdout
    )
    assert verdict["ok"] and verdict["events"] > 30 and verdict["checkpoints"]
