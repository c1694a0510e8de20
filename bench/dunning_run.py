"""Time a full dunning run on a large ledger.

    python bench/dunning_run.py [--invoices 1000000] [--customers 100000]
    scripts/with-postgres.sh .venv/bin/python bench/dunning_run.py   # on PostgreSQL

Generates the ledger (not timed) in a fresh SQLite file under a temporary data
directory, or in the database of DATABASE_URL, then runs today's dunning in a child
process that prints its own timings and peak memory. Figures only: nothing is
asserted here; correctness lives in tests/.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 24)  # a Tuesday


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def generate(n_invoices: int, n_customers: int) -> None:
    """Customers with a billing contact; open invoices due over the last 120 days
    and the next 30, and a year of paid ones feeding the payment-behaviour score."""
    from relance.ledger.models import Contact, Customer, Invoice
    from relance.orgs.models import Organisation
    from relance.orgs.services import delete_organisation

    for old in Organisation.objects.filter(slug="bench"):
        delete_organisation(old)
    org = Organisation.objects.create(
        slug="bench", name="Bench SAS", sender_email="compta@bench.example"
    )
    rng = random.Random(7)
    started = time.perf_counter()
    customers = Customer.objects.bulk_create(
        [
            Customer(org=org, ref=f"C{n:06d}", name=f"Client {n}")
            for n in range(n_customers)
        ],
        batch_size=5000,
    )
    Contact.objects.bulk_create(
        [
            Contact(org=org, customer=c, email=f"compta@c{c.pk}.example")
            for c in customers
        ],
        batch_size=5000,
    )
    batch = []
    for n in range(n_invoices):
        due = TODAY + timedelta(days=rng.randint(-120, 30))
        total = Decimal(rng.randint(5000, 500000)) / 100
        batch.append(
            Invoice(
                org=org,
                customer=customers[n % n_customers],
                number=f"F{n:08d}",
                issue_date=due - timedelta(days=30),
                due_date=due,
                total=total,
            )
        )
        if len(batch) == 20000:
            Invoice.objects.bulk_create(batch)
            batch.clear()
            print(f"  {n + 1:,} invoices", file=sys.stderr, end="\r")
    Invoice.objects.bulk_create(batch)
    print(
        f"generated {n_invoices:,} open invoices over {n_customers:,} customers "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def timed_run() -> dict:
    """Runs in the child process: load + plan alone, then the run (load, plan,
    write the actions), then the rendering of their messages."""
    from relance.core.calendar import BusinessCalendar
    from relance.core.gc_pause import paused_gc
    from relance.core.planner import plan
    from relance.dunning import snapshot
    from relance.dunning.policies import policies_for
    from relance.dunning.services import prepare_outbox, record_day
    from relance.orgs.models import Organisation

    org = Organisation.objects.get(slug="bench")
    policies = policies_for(org)
    with paused_gc():  # as in the run (record_day)
        t0 = time.perf_counter()
        snap = snapshot.load(org, policies, TODAY)
        t1 = time.perf_counter()
        result = plan(
            policies,
            snap.invoices,
            snap.customers,
            snap.history,
            TODAY,
            BusinessCalendar("FR"),
            org.timezone,
            holds=snap.holds,
        )
        t2 = time.perf_counter()
    open_invoices, planned_alone = len(snap.invoices), len(result.actions)
    del snap, result  # the run loads its own: do not count this one twice
    gc.collect()
    started = time.perf_counter()
    run = record_day(org, TODAY, dry_run=False, actor="bench")
    t3 = time.perf_counter()
    run_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    prepare_outbox(org, actor="bench")
    t4 = time.perf_counter()
    # The day after, with a history: what a daily run costs in steady state.
    next_day = record_day(org, TODAY + timedelta(days=1), dry_run=False, actor="bench")
    t5 = time.perf_counter()
    return {
        "open_invoices": open_invoices,
        "load_s": round(t1 - t0, 2),
        "plan_s": round(t2 - t1, 2),
        "run_s": round(t3 - started, 2),  # load + plan + write, one transaction
        "prepare_outbox_s": round(t4 - t3, 2),  # render the messages
        "next_day_run_s": round(t5 - t4, 2),
        "next_day_actions": len(next_day["actions"]),
        "actions": len(run["actions"]),
        "skipped": len(run["skipped"]),
        "planned_alone": planned_alone,
        "run_peak_rss_mb": run_rss,  # load, plan and run, before rendering
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_django()
        print(json.dumps(timed_run()))
        return
    if not os.environ.get("DATABASE_URL"):
        os.environ["RELANCE_DATA_DIR"] = tempfile.mkdtemp(prefix="relance-bench-")
    setup_django()
    from django.db import connection

    generate(args.invoices, args.customers)
    if connection.vendor == "postgresql":
        # A ledger at rest, as autovacuum leaves it a minute after an import:
        # otherwise the timed run would set the new rows' hint bits, and race
        # autovacuum for the two cores, on rows written seconds before.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    connection.close()
    child = subprocess.run(
        [sys.executable, __file__, "--child"],
        env=os.environ,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    figures["database"] = connection.vendor
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
