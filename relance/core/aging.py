"""Aging buckets of open receivables, by days past due."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

# (key, first day late, last day late); None means unbounded.
BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("over_90", 91, None),
)


def bucket_for(days_late: int) -> str:
    for key, low, high in BUCKETS:
        if (low is None or days_late >= low) and (high is None or days_late <= high):
            return key
    raise AssertionError("buckets cover every integer")


def aging(
    items: Iterable[tuple[date, Decimal, str]], today: date
) -> dict[str, dict[str, Decimal]]:
    """Open amount per bucket and currency, from (due date, open amount, currency)."""
    out: dict[str, dict[str, Decimal]] = {key: {} for key, _, _ in BUCKETS}
    for due, amount, currency in items:
        bucket = out[bucket_for((today - due).days)]
        bucket[currency] = bucket.get(currency, Decimal("0")) + amount
    return out
