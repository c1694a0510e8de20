"""Tryton's account_dunning on a generated ledger: run inside the virtual
environment bench/tryton_dunning.py makes (trytond 7.0 LTS, from PyPI), never
imported by relance. Prints one JSON line: the time of
`account.dunning.generate_dunnings` (search the overdue receivable lines and
create one dunning per line at its level), the dunnings made, the lines.

    python bench/tryton_side.py INVOICES CUSTOMERS
"""

import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal

os.environ.setdefault("TRYTOND_DATABASE_URI", "sqlite://")
os.environ.setdefault("DB_NAME", ":memory:")

from proteus import Model
from trytond.modules.account.tests.tools import (
    create_chart,
    create_fiscalyear,
    get_accounts,
)
from trytond.modules.company.tests.tools import create_company, get_company
from trytond.pool import Pool
from trytond.tests.tools import activate_modules
from trytond.transaction import Transaction, TransactionError

TODAY = datetime.date(2026, 11, 24)  # as bench/dunning_run.py
# The default relance policy's chasing steps, as dunning levels (days overdue).
LEVELS = (1, 10, 20, 30, 40, 55)


def in_transaction(config, company, work):
    """Run `work` in a committed transaction, taking the table locks Tryton
    asks for on the way (its RPC layer retries the same way)."""
    extras: dict = {}
    while True:
        try:
            with Transaction().start(
                config.database_name, 0, context={"company": company.id}, **extras
            ) as transaction:
                result = work()
                transaction.commit()
                return result
        except TransactionError as exc:
            exc.fix(extras)


def main(n_invoices: int, n_customers: int) -> None:
    config = activate_modules("account_dunning")
    create_company()
    company = get_company()
    fiscalyear = create_fiscalyear(company, TODAY)
    fiscalyear.click("create_period")
    create_chart(company)
    accounts = get_accounts(company)
    Procedure = Model.get("account.dunning.procedure")
    procedure = Procedure(name="Relance default")
    for n, days in enumerate(LEVELS, 1):
        level = procedure.levels.new()
        level.sequence = n
        level.overdue = datetime.timedelta(days)
    procedure.save()
    Journal = Model.get("account.journal")
    (journal,) = Journal.find([("code", "=", "REV")])
    period = next(p for p in fiscalyear.periods if p.start_date <= TODAY <= p.end_date)

    rng = random.Random(7)  # the ledger of bench/dunning_run.py
    started = time.perf_counter()

    def ledger():
        pool = Pool()
        Party = pool.get("party.party")
        Move = pool.get("account.move")
        parties = Party.create(
            [
                {"name": f"Client {n}", "dunning_procedure": procedure.id}
                for n in range(n_customers)
            ]
        )
        # One move per 5,000 invoices (their receivable lines and one revenue
        # line): a move each would take Tryton's checks 7 ms an invoice.
        for first in range(0, n_invoices, 5000):
            lines, balance = [], Decimal(0)
            for n in range(first, min(first + 5000, n_invoices)):
                due = TODAY + datetime.timedelta(days=rng.randint(-120, 30))
                total = Decimal(rng.randint(5000, 500000)) / 100
                balance += total
                lines.append(
                    {
                        "account": accounts["receivable"].id,
                        "debit": total,
                        "party": parties[n % n_customers].id,
                        "maturity_date": due,
                    }
                )
            lines.append({"account": accounts["revenue"].id, "credit": balance})
            Move.create(
                [
                    {
                        "period": period.id,
                        "journal": journal.id,
                        "date": TODAY,
                        "lines": [("create", lines)],
                    }
                ]
            )
            print(f"  {first + len(lines) - 1:,} invoices", file=sys.stderr, end="\r")

    in_transaction(config, company, ledger)
    print(
        f"tryton: ledger of {n_invoices:,} made in "
        f"{time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )

    def dunnings():
        Dunning = Pool().get("account.dunning")
        started = time.perf_counter()
        Dunning.generate_dunnings(date=TODAY)
        return time.perf_counter() - started, Dunning.search([], count=True)

    elapsed, made = in_transaction(config, company, dunnings)
    print(json.dumps({"invoices": n_invoices, "dunnings": made, "seconds": elapsed}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
