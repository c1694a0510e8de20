"""Kill the sender (SIGKILL) at random points while it hands a batch of
registered letters to a letter provider that records every submission, start
it again until it finishes, and count what the provider received: no letter
twice, none lost, the ones in flight at a kill left `uncertain` for a person."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RELANCE = str(Path(sys.executable).with_name("relance"))

# Customers with a late invoice each, brought to the registered letter by four
# runs; the last one is on Saturday 14 June 2025, so the letters are dated and
# released on Monday 16 June.
SETUP = """
import django
django.setup()
from datetime import date, timedelta
from django.core.management import call_command
from relance.dunning.services import run_dunning
from relance.orgs.services import create_organisation
from tests.factories import make_invoice
call_command("migrate", verbosity=0)
org = create_organisation("crash", "Crash Test SAS", sender_email="ar@crash.example")
due = date(2025, 5, 15)
for n in range({letters}):
    make_invoice(org, f"R{{n:04d}}", due, total="2000.00", customer_ref=f"C{{n:04d}}")
for offset in (1, 10, 20, 30):
    run_dunning(org, due + timedelta(days=offset))
"""


def kill_while_sending(tmp_path, letters: int, kills_wanted: int) -> None:
    log = tmp_path / "submitted.log"
    log.touch()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        RELANCE_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
        RELANCE_SMTP_HOST="",
        RELANCE_LETTER_PROVIDER="tests.comms.recording_letters.RecordingProvider",
        RELANCE_TEST_LETTER_LOG=str(log),
        # A letter claimed by a killed sender is settled at the next start.
        RELANCE_SEND_STALE_MINUTES="0",
    )
    setup = subprocess.run(
        [sys.executable, "-c", SETUP.format(letters=letters)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert setup.returncode == 0, setup.stderr

    def submitted() -> int:
        return len(log.read_text().splitlines())

    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261204")))
    kills = 0
    for _attempt in range(kills_wanted * 3):
        proc = subprocess.Popen(
            [RELANCE, "send", "--org", "crash", "--json"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        if kills < kills_wanted:
            # Kill once the provider has taken a few more letters, a random
            # instant later: before, during or after its answer is recorded.
            target = submitted() + rng.randint(1, 3)
            while proc.poll() is None and submitted() < target:
                time.sleep(0.001)
            if proc.poll() is None:
                time.sleep(rng.uniform(0, 0.008))
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                continue
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        if json.loads(out)["sent"] == 0:
            break

    with sqlite3.connect(tmp_path / "data" / "relance.sqlite3") as db:
        rows = db.execute(
            "SELECT c.id, m.status, m.provider_ref, a.status, a.document"
            " FROM comms_outboundmessage m JOIN dunning_action a ON a.id = m.action_id"
            " JOIN ledger_customer c ON c.id = m.customer_id"
            " WHERE m.channel = 'letter'"
        ).fetchall()
        org_id = db.execute("SELECT id FROM orgs_organisation").fetchone()[0]
    lines = log.read_text().splitlines()
    received = Counter(line.split()[0] for line in lines)
    status = {f"org{org_id}-customer{c}-registered_letter": s for c, s, *_ in rows}
    by_status = Counter(status.values())
    print(f"\n{kills} kills; {len(lines)} submitted; letters: {dict(by_status)}")
    assert kills == kills_wanted, "the sender should be killed mid-batch each time"
    assert len(status) == letters
    # Never twice.
    assert max(received.values()) == 1
    # None lost: every letter was handed over once or waits for a person.
    assert set(by_status) <= {"sent", "uncertain"}
    sent = {ref for ref, s in status.items() if s == "sent"}
    uncertain = {ref for ref, s in status.items() if s == "uncertain"}
    assert sent <= set(received)
    assert set(received) <= sent | uncertain
    # Only what was in flight at a kill is uncertain: at most one per kill.
    assert len(uncertain) <= kills
    # A letter handed over is settled as sent with the provider's reference,
    # its action done; every letter is dated and released on a business day.
    for _, s, ref, action_status, document in rows:
        assert document.endswith("registered_letter-2025-06-16.pdf")
        if s == "sent":
            assert ref.startswith("rec-org") and action_status == "done"
    assert {line.split()[1] for line in lines} == {"2025-06-16"}


def test_sigkill_while_posting_letters_never_submits_twice_nor_loses_one(tmp_path):
    kill_while_sending(tmp_path, letters=60, kills_wanted=20)


@pytest.mark.slow
def test_two_hundred_kills_while_posting_letters(tmp_path):
    kill_while_sending(tmp_path, letters=500, kills_wanted=200)
