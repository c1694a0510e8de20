"""Time the import of a large CSV of invoices (relance import invoices).

    .venv/bin/python bench/import_invoices.py [--rows 1000000] [--customers 100000]
    bash scripts/with-postgres.sh .venv/bin/python bench/import_invoices.py

Writes a French-style CSV (semicolon, dd/mm/yyyy, decimal comma; a tenth of
the invoices partly or fully paid) to a temporary directory, then imports it into a
fresh database (SQLite under a temporary data directory, or DATABASE_URL) and
prints the read and total times, a second import of the same file (nothing
changes), and peak memory. Figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_csv(path: Path, rows: int, customers: int) -> None:
    rng = random.Random(5)
    start = date(2025, 11, 1)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "N° facture;Code client;Client;Email;Date facture;Échéance;"
            "Montant HT;TVA;Montant TTC;Déjà réglé\n"
        )
        for n in range(rows):
            c = n % customers
            issued = start + timedelta(days=rng.randrange(365))
            ht = rng.randrange(5000, 500000)
            tax = ht // 5
            ttc = ht + tax
            paid = 0 if rng.random() > 0.1 else rng.choice([ttc, ttc // 2])
            out.write(
                f"F{n:08d};C{c:06d};Client {c} SARL;compta{c}@client.example;"
                f"{issued:%d/%m/%Y};{issued + timedelta(days=30):%d/%m/%Y};"
                f"{ht // 100},{ht % 100:02d};{tax // 100},{tax % 100:02d};"
                f"{ttc // 100},{ttc % 100:02d};{paid // 100},{paid % 100:02d}\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="relance-bench-"))
    os.environ.setdefault("RELANCE_DATA_DIR", str(work / "data"))
    os.environ.setdefault("RELANCE_IMPORT_MAX_MB", "500")  # a million rows: 106 MB
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from relance.core.gc_pause import paused_gc
    from relance.formats.invoices import read_invoice_file
    from relance.ledger.services import import_invoices, import_limits
    from relance.orgs.models import Organisation
    from relance.orgs.services import delete_organisation

    call_command("migrate", verbosity=0, interactive=False)
    for old in Organisation.objects.filter(slug="bench-import"):
        delete_organisation(old)
    org = Organisation.objects.create(slug="bench-import", name="Bench Import SAS")
    path = work / "invoices.csv"
    write_csv(path, args.rows, args.customers)
    data = path.read_bytes()
    started = time.perf_counter()
    with paused_gc():
        result = read_invoice_file(data, limits=import_limits())
    read_s = time.perf_counter() - started
    del result
    started = time.perf_counter()
    first = import_invoices(org, data, path.name, "bench")
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    second = import_invoices(org, data, path.name, "bench")
    again_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": args.rows,
                "database": django.db.connection.vendor,
                "read_s": round(read_s, 1),
                "import_s": round(import_s, 1),
                "imported": first["imported"],
                "rejected": len(first["rejected"]),
                "reimport_s": round(again_s, 1),
                "reimport_changed": second["imported"] + second["updated"],
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                // 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
