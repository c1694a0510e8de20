"""The `relance` console command as a user scripts it, in a fresh data directory
on SQLite, against a real SMTP server on loopback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import smtp_server

RELANCE = str(Path(sys.executable).with_name("relance"))


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        RELANCE_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def relance(env, *args, ok=True):
    proc = subprocess.run(
        [RELANCE, *args], capture_output=True, text=True, env=env, timeout=300
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_scripted_flow_from_an_empty_data_directory(env, tmp_path):
    relance(
        env,
        "org",
        "create",
        "lea",
        "--name",
        "Boulangerie Léa",
        "--siren",
        "732 829 320",
        "--sender-email",
        "compta@lea.example",
    )
    bad = relance(
        env, "org", "create", "bad", "--name", "X", "--siren", "123456789", ok=False
    )
    assert bad.returncode != 0 and "SIREN" in bad.stderr
    relance(
        env,
        "user",
        "create",
        "alice@lea.example",
        "--org",
        "lea",
        "--role",
        "collector",
        "--password",
        "correct horse battery",
    )
    csv = tmp_path / "factures.csv"
    csv.write_bytes(
        "Numéro;Client;Email;Date;Échéance;Montant TTC\n"
        "F1;Hôtel du Parc;compta@parc.example;01/09/2026;01/10/2026;1 440,00\n"
        "F2;Hôtel du Parc;compta@parc.example;01/09/2026;pas encore;10,00\n".encode(
            "cp1252"
        )
    )
    imported = json.loads(
        relance(env, "import", "invoices", str(csv), "--org", "lea", "--json").stdout
    )
    assert imported["imported"] == 1 and imported["rejected"][0]["row"] == 3

    dry = json.loads(
        relance(
            env, "run", "--org", "lea", "--date", "2026-10-02", "--dry-run", "--json"
        ).stdout
    )
    assert [a["step"] for a in dry["actions"]] == ["reminder_1"]
    first = json.loads(
        relance(env, "run", "--org", "lea", "--date", "2026-10-02", "--json").stdout
    )
    assert first["actions"][0]["invoices"] == ["F1"]
    again = json.loads(
        relance(env, "run", "--org", "lea", "--date", "2026-10-02", "--json").stdout
    )
    assert again["actions"] == []

    with smtp_server() as (recorder, port):
        smtp_env = {
            **env,
            "RELANCE_SMTP_HOST": "127.0.0.1",
            "RELANCE_SMTP_PORT": str(port),
        }
        sent = json.loads(relance(smtp_env, "send", "--org", "lea", "--json").stdout)
        assert (sent["sent"], sent["failed"], sent["held"]) == (1, 0, 0)
        assert json.loads(relance(smtp_env, "send", "--json").stdout)["sent"] == 0
    assert len(recorder.messages) == 1
    assert "F1" in recorder.messages[0]["Subject"]

    verdict = json.loads(
        relance(env, "timeline", "verify", "--org", "lea", "--json").stdout
    )
    assert verdict["ok"] and verdict["events"] > 5


def test_demo_builds_a_realistic_ledger(env):
    data = json.loads(relance(env, "demo", "--date", "2026-11-20", "--json").stdout)
    assert data["customers"] == 200
    assert 1500 <= data["invoices"] <= 2500
    assert data["overdue"]["count"] > 50 and data["upcoming"]["count"] > 50
    assert set(data["aging"]) == {"not_due", "1_30", "31_60", "61_90", "over_90"}
    assert sum(data["actions_by_step"].values()) > 10
    assert data["login"]["email"] == "demo@relance.example"
    # Rebuilding replaces the demo organisation instead of failing or duplicating it.
    again = json.loads(relance(env, "demo", "--date", "2026-11-20", "--json").stdout)
    assert again["invoices"] == data["invoices"]
    assert json.loads(
        relance(env, "timeline", "verify", "--org", "demo", "--json").stdout
    )["ok"]
