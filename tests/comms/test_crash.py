"""Kill the sender (SIGKILL) at random points while it sends 1,000 reminders,
start it again until it finishes, and count what the receiving mail server
(Postfix on loopback) delivered: no message twice, none lost, the ones in flight
at a kill left `uncertain`."""

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

RELANCE = str(Path(sys.executable).with_name("relance"))
MESSAGES = 1000


def relance(env, *args):
    proc = subprocess.run(
        [RELANCE, *args], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_sigkill_while_sending_never_sends_twice_nor_loses_one(
    tmp_path, postfix_server
):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        RELANCE_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="config.settings",
        # A message claimed by a killed sender is settled at the next start.
        RELANCE_SEND_STALE_MINUTES="0",
    )
    relance(
        env,
        "org",
        "create",
        "crash",
        "--name",
        "Crash Test SAS",
        "--sender-email",
        "ar@crash.example",
    )
    rows = ["Numéro;Code client;Client;Email;Date;Échéance;Montant TTC"]
    rows += [
        f"F{n:04d};C{n:04d};Client {n};compta{n}@client.example;01/09/2026;01/10/2026;1 200,00"
        for n in range(MESSAGES)
    ]
    (tmp_path / "factures.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    relance(
        env,
        "import",
        "invoices",
        str(tmp_path / "factures.csv"),
        "--org",
        "crash",
        "--json",
    )
    day = json.loads(
        relance(env, "run", "--org", "crash", "--date", "2026-10-02", "--json")
    )
    assert len(day["actions"]) == MESSAGES

    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261130")))
    kills = 0
    port, mta = postfix_server
    mta.clear()
    env.update(RELANCE_SMTP_HOST="127.0.0.1", RELANCE_SMTP_PORT=str(port))
    for _attempt in range(200):
        proc = subprocess.Popen(
            [RELANCE, "send", "--org", "crash", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        # Kill once the server has delivered a random number more messages,
        # a random instant later: before, during or after recording one.
        target = mta.count() + rng.randint(1, 120)
        while proc.poll() is None and mta.count() < target:
            time.sleep(0.001)
        if proc.poll() is None:
            time.sleep(rng.uniform(0, 0.01))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            continue
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        if json.loads(out)["sent"] == 0:
            break

    with sqlite3.connect(tmp_path / "data" / "relance.sqlite3") as db:
        status = dict(
            db.execute("SELECT message_id, status FROM comms_outboundmessage")
        )
    # Postfix delivers from its queue: wait for every sent message to arrive,
    # then a moment more for any duplicate that would follow.
    sent = {mid for mid, s in status.items() if s == "sent"}
    mta.wait_for(len(sent), seconds=120)
    time.sleep(2)
    received = Counter(m["Message-ID"] for m in mta.messages())
    by_status = Counter(status.values())
    print(
        f"\n{kills} kills; {sum(received.values())} received; outbox: {dict(by_status)}"
    )
    assert kills >= 5, "the sender should have been killed several times mid-run"
    assert len(status) == MESSAGES
    # Never twice.
    assert max(received.values()) == 1
    # None lost: every message is sent (and was received) or waits for a person.
    assert set(by_status) <= {"sent", "uncertain"}
    assert sent <= set(received)
    # Only what was in flight at a kill is uncertain: at most one per kill.
    uncertain = {mid for mid, s in status.items() if s == "uncertain"}
    assert len(uncertain) <= kills
    assert set(received) <= sent | uncertain
