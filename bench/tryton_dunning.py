"""relance's dunning run beside Tryton's account_dunning, per invoice.

    python bench/tryton_dunning.py [--sizes 10000 100000]

Installs trytond 7.0 (LTS) and account_dunning from PyPI into a virtual
environment of its own (bench/.tryton-venv, made once), then for each size
generates the same kind of ledger for both (open invoices due over the last 120
days and the next 30, ten per customer, the same random amounts and dates) and
times what each does on the day: Tryton's `generate_dunnings` (one dunning per
overdue line, at its level; tryton_side.py, on SQLite in memory), relance's run
(load, plan, write the actions, their links and timeline events; dunning_run.py,
on a SQLite file). Ledger generation is not timed. Prints both times side by
side and the ratio per invoice. Figures only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".tryton-venv"
PACKAGES = ("trytond==7.0.59", "trytond_account_dunning==7.0.0", "proteus==7.0.3")


def tryton_python() -> str:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"installing Tryton into {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *PACKAGES], check=True
        )
    return str(python)


def tryton(n_invoices: int) -> dict:
    out = subprocess.run(
        [
            tryton_python(),
            "-W",
            "ignore",
            str(HERE / "tryton_side.py"),
            str(n_invoices),
            str(n_invoices // 10),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def relance(n_invoices: int) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            str(HERE / "dunning_run.py"),
            "--invoices",
            str(n_invoices),
            "--customers",
            str(n_invoices // 10),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    sizes = parser.parse_args().sizes
    rows = []
    for n in sizes:
        print(f"{n:,} invoices: Tryton…", file=sys.stderr)
        theirs = tryton(n)
        print(f"{n:,} invoices: relance…", file=sys.stderr)
        ours = relance(n)
        rows.append(
            {
                "invoices": n,
                "tryton_s": round(theirs["seconds"], 2),
                "tryton_dunnings": theirs["dunnings"],
                "relance_s": ours["run_s"],
                "relance_actions": ours["actions"],
                "tryton_us_per_invoice": round(theirs["seconds"] / n * 1e6),
                "relance_us_per_invoice": round(ours["run_s"] / n * 1e6),
                "times_faster": round(theirs["seconds"] / ours["run_s"], 1),
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr)
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
