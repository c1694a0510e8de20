"""Time the team's busiest pages on a large ledger: the dashboard and the overdue
list (first page, sorted by age and by amount, a later page).

    bash scripts/with-postgres.sh .venv/bin/python bench/web_load.py
    .venv/bin/python bench/web_load.py --rows 100000 --requests 30     # SQLite

Imports a synthetic ledger (not timed; --rows invoices over --customers
customers). `--shape years` (default): three years of invoices on 30 days, each
paid between 5 days early and 40 days late unless that day is still to come,
and 2% never paid: about 6% open, as in a real ledger. `--shape open`: the
file of bench/import_invoices.py, a year of due dates with nine tenths unpaid:
the worst case. Then runs ANALYZE as autovacuum would, then
requests each page through Django's test client as a signed-in administrator
and prints the first (cold) request and p50/p95/max of the following ones, in
milliseconds. Figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "dashboard": "/",
    "overdue": "/invoices/overdue/",
    "overdue_by_amount": "/invoices/overdue/?sort=-amount",
    "overdue_page_200": "/invoices/overdue/?page=200",
}


def write_years(path: Path, rows: int, customers: int, today: date) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "N° facture;Code client;Client;Email;Date facture;Échéance;"
            "Montant TTC;Déjà réglé;Date règlement\n"
        )
        for n in range(rows):
            c = n % customers
            issued = today - timedelta(days=rng.randrange(3 * 365))
            due = issued + timedelta(days=30)
            cents = rng.randrange(5000, 600000)
            ttc = f"{cents // 100},{cents % 100:02d}"
            paid_on = due + timedelta(days=rng.randrange(-5, 41))
            if paid_on < today and rng.random() > 0.02:
                paid = f"{ttc};{paid_on:%d/%m/%Y}"
            else:
                paid = "0,00;"
            out.write(
                f"F{n:08d};C{c:06d};Client {c} SARL;compta{c}@client.example;"
                f"{issued:%d/%m/%Y};{due:%d/%m/%Y};{ttc};{paid}\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--shape", choices=("years", "open"), default="years")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="relance-bench-"))
    os.environ.setdefault("RELANCE_DATA_DIR", str(work / "data"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.import_invoices import write_csv
    from relance.ledger.queries import open_invoices
    from relance.ledger.services import import_invoices
    from relance.orgs.models import Organisation, org_today
    from relance.orgs.services import create_user, delete_organisation

    settings.ALLOWED_HOSTS = ["*"]
    settings.RELANCE_IMPORT_MAX_MB = 500  # a million rows: over 100 MB
    call_command("migrate", verbosity=0, interactive=False)
    for old in Organisation.objects.filter(slug="bench-web"):
        delete_organisation(old)
    org = Organisation.objects.create(slug="bench-web", name="Bench Web SAS")
    path = work / "invoices.csv"
    if args.shape == "open":
        write_csv(path, args.rows, args.customers)
    else:
        write_years(path, args.rows, args.customers, org_today(org))
    print(f"importing {args.rows:,} invoices (not timed)...", file=sys.stderr)
    import_invoices(org, path.read_bytes(), path.name, actor="bench")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    user = create_user(f"bench-{org.pk}@bench.example", org, "admin", "x" * 16)
    client = Client()
    client.force_login(user)
    figures = {
        "database": connection.vendor,
        "invoices": args.rows,
        "shape": args.shape,
        "open": open_invoices(org).count(),
    }
    for name, url in PAGES.items():
        times = []
        for _ in range(args.requests + 1):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        cold, warm = times[0], sorted(times[1:])
        figures[name] = {
            "cold_ms": round(cold, 1),
            "p50_ms": round(statistics.median(warm), 1),
            "p95_ms": round(warm[max(0, round(len(warm) * 0.95) - 1)], 1),
            "max_ms": round(warm[-1], 1),
        }
        print(name, figures[name], file=sys.stderr)
        figures[name]["slowest_queries"] = slowest_queries(client, url)
    print(json.dumps(figures, indent=2))


def slowest_queries(client, url: str, count: int = 4) -> list[dict]:
    """Where one more request of `url` spends its database time."""
    from django.db import connection

    timings = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(timed):
        client.get(url)
    timings.sort(reverse=True)
    return [{"ms": round(ms, 1), "sql": sql[:160]} for ms, sql in timings[:count]]


if __name__ == "__main__":
    main()
