"""Time the matching of bank lines against open invoices (relance.core.matching).

    .venv/bin/python bench/matching.py [--lines 100000] [--invoices 1000000]

Builds, in memory, 1,000,000 open invoices over 100,000 customers and 100,000
credits shaped like real statements (not timed): 60% cite an invoice number
(as written, spaced, without leading zeros, another prefix), 20% give the payer's
name with the amount of one or two invoices, 10% the amount only, 10% nothing
usable. Then times building the index and matching every line, and prints how
many were applied, sent to review or left unmatched. Figures only.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from relance.core.matching import Credit, Matcher, OpenItem

_WORDS = """Boulangerie Garage Hôtel Cabinet Atelier Transports Menuiserie Pharmacie
Restaurant Imprimerie Plomberie Librairie Ferme Studio Agence Clinique"""
_NAMES = """Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon
Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel"""
WORDS = tuple(_WORDS.split())
NAMES = tuple(_NAMES.split())
FORMS = ("SARL", "SAS", "SA", "EURL", "")


def ledger(n_invoices: int, n_customers: int, rng: random.Random):
    names = [
        f"{rng.choice(WORDS)} {rng.choice(NAMES)} {rng.choice(NAMES)} {n} "
        f"{rng.choice(FORMS)}".strip()
        for n in range(n_customers)
    ]
    items = [
        OpenItem(
            invoice_id=i,
            number=f"F2026-{i:07d}",
            customer_id=i % n_customers,
            customer_name=names[i % n_customers],
            open_amount=Decimal(rng.randrange(5000, 500000)) / 100,
            currency="EUR",
            due_date=None,
        )
        for i in range(n_invoices)
    ]
    return items


def credits(items: list[OpenItem], n_lines: int, rng: random.Random):
    by_customer: dict[int, list[OpenItem]] = {}
    for item in items:
        by_customer.setdefault(item.customer_id, []).append(item)
    out = []
    for n in range(n_lines):
        item = rng.choice(items)
        kind = rng.random()
        digits = item.number.split("-")[1]
        if kind < 0.6:
            text = rng.choice(
                [
                    f"FACTURE {item.number}",
                    f"FA 2026 {digits}",
                    f"REGLEMENT FACT {digits.lstrip('0')}",
                    f"INV2026{digits} MERCI",
                ]
            )
            out.append(Credit(f"l{n}", item.open_amount, "EUR", "", text))
        elif kind < 0.8:
            mine = by_customer[item.customer_id]
            pair = rng.sample(mine, min(len(mine), rng.choice([1, 2])))
            amount = sum((i.open_amount for i in pair), Decimal("0"))
            payer = item.customer_name.upper().replace(" SARL", "")
            out.append(Credit(f"l{n}", amount, "EUR", payer, "VIREMENT"))
        elif kind < 0.9:
            out.append(Credit(f"l{n}", item.open_amount, "EUR", "", "VIR SEPA"))
        else:
            amount = Decimal(rng.randrange(100, 99999)) / 100
            out.append(Credit(f"l{n}", amount, "EUR", "M DUPOND", "REMBOURSEMENT"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(11)
    items = ledger(args.invoices, args.customers, rng)
    lines = credits(items, args.lines, rng)
    started = time.perf_counter()
    matcher = Matcher(items, amounts={c.amount for c in lines})
    indexed = time.perf_counter()
    counts = {"applied": 0, "review": 0, "unmatched": 0}
    for credit in lines:
        match = matcher.match(credit)
        if match.confidence >= 0.8 and match.allocations:
            matcher.consume(match)
            counts["applied"] += 1
        elif match.candidates or match.customer_id:
            counts["review"] += 1
        else:
            counts["unmatched"] += 1
    done = time.perf_counter()
    figures = {
        "invoices": args.invoices,
        "lines": args.lines,
        "index_s": round(indexed - started, 2),
        "match_s": round(done - indexed, 2),
        "total_s": round(done - started, 2),
        **counts,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
