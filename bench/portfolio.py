"""An accounting firm's portfolio: the whole daily cycle (the worker's: replies,
watched folder, the day's run with its messages rendered) for many client
organisations, with one and with several `relance worker` processes sharing
it. Prints figures, asserts nothing.

    bash scripts/with-postgres.sh .venv/bin/python bench/portfolio.py   # 1,000 x 2,000
    .venv/bin/python bench/portfolio.py --orgs 50 --workers 1 2          # SQLite

The ledger is generated once (not timed); before each round the previous
round's actions, messages, events and claims are removed, so every round does
the same first day of reminders. No SMTP server: messages stay rendered in the
outbox, as sending is the mail server's time, not relance's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from dunning_run import setup_django  # bench/ is the script's own path

ROOT = Path(__file__).resolve().parents[1]
RELANCE = str(Path(sys.executable).with_name("relance"))
DAY = date(2026, 11, 24)  # a Tuesday


def generate(n_orgs: int, n_invoices: int, n_customers: int) -> None:
    from relance.ledger.models import Contact, Customer, Invoice
    from relance.ops.models import Schedule
    from relance.orgs.models import Organisation

    rng = random.Random(7)
    started = time.perf_counter()
    for o in range(n_orgs):
        org = Organisation.objects.create(
            slug=f"client-{o:04d}",
            name=f"Client {o} SARL",
            sender_email=f"compta@client{o}.example",
        )
        Schedule.objects.create(org=org, hour=0)
        customers = Customer.objects.bulk_create(
            [
                Customer(org=org, ref=f"C{n:05d}", name=f"Débiteur {n}")
                for n in range(n_customers)
            ]
        )
        Contact.objects.bulk_create(
            [
                Contact(org=org, customer=c, email=f"compta@d{c.pk}.example")
                for c in customers
            ]
        )
        invoices = []
        for n in range(n_invoices):
            due = DAY + timedelta(days=rng.randint(-120, 30))
            invoices.append(
                Invoice(
                    org=org,
                    customer=customers[n % n_customers],
                    number=f"F{n:06d}",
                    issue_date=due - timedelta(days=30),
                    due_date=due,
                    total=Decimal(rng.randint(5000, 500000)) / 100,
                )
            )
        Invoice.objects.bulk_create(invoices, batch_size=5000)
        print(f"  {o + 1:,} organisations", file=sys.stderr, end="\r")
    print(
        f"generated {n_orgs:,} organisations of {n_invoices:,} invoices "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def reset() -> None:
    """Back to the generated ledger: no action, message, event or claim."""
    from django.conf import settings

    from relance.comms.models import OutboundMessage
    from relance.dunning.models import Action, ActionInvoice
    from relance.ops.models import Heartbeat, OrgDay
    from relance.orgs.models import Organisation
    from relance.timeline.models import Event

    for model in (OutboundMessage, ActionInvoice, Action, Event, OrgDay, Heartbeat):
        model.objects.all().delete()
    Organisation.objects.update(timeline_seq=0, timeline_head="0" * 64)
    shutil.rmtree(settings.TIMELINE_CHECKPOINTS_DIR, ignore_errors=True)


def cycle(workers: int, env: dict) -> tuple[float, float]:
    """Wall time for `workers` processes to get every organisation's day done,
    and the CPU time they spent (user + system, the database server's apart)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [RELANCE, "worker", "--days", f"{DAY}..{DAY}", "--tick", "0.2"],
            env=env,
            cwd=ROOT,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for proc in procs:
        proc.wait()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="relance-portfolio-")
    os.environ["RELANCE_DATA_DIR"] = data
    setup_django()
    generate(args.orgs, args.invoices, args.customers)
    from django.db import connection

    from relance.dunning.models import Action
    from relance.ops.models import OrgDay

    env = {**os.environ, "RELANCE_TASKS_BACKEND": "immediate"}
    env.pop("RELANCE_SMTP_HOST", None)
    rounds = []
    for workers in args.workers:
        reset()
        seconds, cpu = cycle(workers, env)
        rounds.append(
            {
                "workers": workers,
                "cycle_s": round(seconds, 1),
                "per_org_s": round(seconds / args.orgs, 3),
                "worker_cpu_per_org_s": round(cpu / args.orgs, 3),
                "load_average": os.getloadavg()[0],
                "days_done": OrgDay.objects.filter(status="done").count(),
                "actions": Action.objects.count(),
            }
        )
    for r in rounds:  # against the first round (one worker by default)
        r["speedup"] = round(rounds[0]["cycle_s"] / r["cycle_s"], 2)
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "orgs": args.orgs,
                "invoices_per_org": args.invoices,
                "customers_per_org": args.customers,
                "cores": os.cpu_count(),
                "rounds": rounds,
            },
            indent=2,
        )
    )
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
