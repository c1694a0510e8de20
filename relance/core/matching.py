"""Match money received to open invoices.

In order of trust: invoice numbers found in the remittance text (also split,
spaced or with another prefix), then the payer's name against customers (fuzzy)
with the amount against that customer's open invoices (one, all, or a few of
them), then the amount alone. Each match has a confidence; the caller applies
those above its threshold and puts the rest in a review queue with the
candidates."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from rapidfuzz import fuzz, process, utils

ZERO = Decimal("0")
NAME_SCORE = 88  # rapidfuzz token_set_ratio for a payer to be that customer
MAX_COMBINATION = 4  # invoices one payment may settle without a reference


@dataclass(frozen=True, slots=True)
class OpenItem:
    invoice_id: int
    number: str
    customer_id: int
    customer_name: str
    open_amount: Decimal
    currency: str
    due_date: object = None


@dataclass(frozen=True, slots=True)
class Credit:
    key: str
    amount: Decimal
    currency: str
    payer: str = ""
    text: str = ""  # remittance and creditor reference


@dataclass(slots=True)
class Match:
    key: str
    confidence: float  # 0..1, not money
    reason: str
    customer_id: int | None = None
    allocations: list[tuple[int, Decimal]] = field(default_factory=list)
    write_offs: list[tuple[int, Decimal]] = field(default_factory=list)
    candidates: list[int] = field(default_factory=list)  # invoice ids to review


def _keys(runs: list[str]) -> set[str]:
    """Two spellings of digit groups: as written, and each without its leading
    zeros ("2026-00101" is often typed "2026-101")."""
    keys = {"".join(runs).lstrip("0"), "".join(r.lstrip("0") or "0" for r in runs)}
    return {k for k in keys if len(k) >= 3}


def _number_keys(number: str) -> set[str]:
    return _keys(re.findall(r"\d+", number))


def _reference_keys(text: str) -> set[str]:
    """Digit groups of the text, alone and joined with their neighbours, so that
    "FA 2026 00123" finds invoice F2026-00123."""
    runs = re.findall(r"\d+", text)
    keys: set[str] = set()
    for i in range(len(runs)):
        for j in range(i + 1, min(i + 3, len(runs)) + 1):
            keys |= _keys(runs[i:j])
    return keys


class Matcher:
    def __init__(self, items: Iterable[OpenItem], tolerance: Decimal = Decimal("2.00")):
        self.tolerance = tolerance
        self.items = {i.invoice_id: i for i in items}
        # What is still open, lowered as matches are applied within one statement.
        self.remaining = {i.invoice_id: i.open_amount for i in self.items.values()}
        self.by_number: dict[str, list[OpenItem]] = defaultdict(list)
        self.by_customer: dict[int, list[OpenItem]] = defaultdict(list)
        self.by_amount: dict[tuple[Decimal, str], list[OpenItem]] = defaultdict(list)
        names: dict[int, str] = {}
        for item in self.items.values():
            for key in _number_keys(item.number):
                self.by_number[key].append(item)
            self.by_customer[item.customer_id].append(item)
            self.by_amount[(item.open_amount, item.currency)].append(item)
            names[item.customer_id] = item.customer_name
        self.names = names

    def consume(self, match: Match) -> None:
        """Record a match applied, so that later lines cannot pay the same money."""
        for invoice_id, amount in [*match.allocations, *match.write_offs]:
            self.remaining[invoice_id] -= amount

    def _open(self, items: Iterable[OpenItem]) -> list[OpenItem]:
        return [i for i in items if self.remaining[i.invoice_id] > 0]

    def match(self, credit: Credit) -> Match:
        found = self._by_reference(credit)
        if found:
            return self._settle(credit, found, "invoice number in the remittance", 0.98)
        customers = self._by_name(credit.payer)
        for customer_id in customers:
            open_items = [
                i
                for i in self.by_customer[customer_id]
                if i.currency == credit.currency
            ]
            combo = self._combination(credit.amount, open_items)
            if combo:
                what = "one invoice" if len(combo) == 1 else f"{len(combo)} invoices"
                return self._settle(
                    credit, combo, f"payer name and amount of {what}", 0.9
                )
        if customers:
            cid = customers[0]
            return Match(
                credit.key,
                0.4,
                "payer recognised, amount matches no invoice set",
                customer_id=cid,
                candidates=[i.invoice_id for i in self.by_customer[cid]][:10],
            )
        same = [
            i
            for i in self._open(
                self.by_amount.get((credit.amount, credit.currency), [])
            )
            if self.remaining[i.invoice_id] == i.open_amount
        ]
        if same:
            return Match(
                credit.key,
                0.5 if len(same) == 1 else 0.3,
                "amount only",
                customer_id=same[0].customer_id if len(same) == 1 else None,
                candidates=[i.invoice_id for i in same][:10],
            )
        return Match(credit.key, 0.0, "nothing matches")

    def _by_reference(self, credit: Credit) -> list[OpenItem]:
        found: dict[int, OpenItem] = {}
        for key in _reference_keys(credit.text):
            for item in self._open(self.by_number.get(key, [])):
                if item.currency == credit.currency:
                    found[item.invoice_id] = item
        return sorted(found.values(), key=lambda i: (str(i.due_date), i.number))

    def _by_name(self, payer: str) -> list[int]:
        if not payer.strip() or not self.names:
            return []
        hits = process.extract(
            payer,
            self.names,
            scorer=fuzz.token_set_ratio,
            processor=utils.default_process,
            score_cutoff=NAME_SCORE,
            limit=3,
        )
        return [cid for _, _, cid in hits]

    def _combination(self, amount: Decimal, items: list[OpenItem]) -> list[OpenItem]:
        """One invoice, all of them, or up to MAX_COMBINATION that the amount pays,
        give or take the tolerance (bank fees); the oldest first on ties."""
        items = sorted(items, key=lambda i: (str(i.due_date), i.number))
        total = self._sum(items)
        if items and abs(total - amount) <= self.tolerance:
            return items
        for size in range(1, min(MAX_COMBINATION, len(items)) + 1):
            for combo in combinations(items, size):
                if abs(self._sum(combo) - amount) <= self.tolerance:
                    return list(combo)
            if size >= 2 and len(items) > 25:
                break  # keep the search bounded for customers with many invoices
        return []

    def _sum(self, items: Iterable[OpenItem]) -> Decimal:
        return sum((self.remaining[i.invoice_id] for i in items), ZERO)

    def _settle(
        self, credit: Credit, items: list[OpenItem], why: str, trust: float
    ) -> Match:
        """Allocate the amount to the invoices in order; a shortfall within the
        tolerance is written off (bank fees), a larger one leaves invoices open."""
        match = Match(credit.key, trust, why, customer_id=items[0].customer_id)
        left = credit.amount
        for item in items:
            part = min(left, self.remaining[item.invoice_id])
            if part > 0:
                match.allocations.append((item.invoice_id, part))
                left -= part
        owed = self._sum(items) - credit.amount
        if ZERO < owed <= self.tolerance:
            paid = dict(match.allocations)
            unpaid = [
                (
                    i.invoice_id,
                    self.remaining[i.invoice_id] - paid.get(i.invoice_id, ZERO),
                )
                for i in items
            ]
            match.write_offs = [(inv, amount) for inv, amount in unpaid if amount > 0]
            match.reason += f"; {owed} bank fees written off"
        if left > self.tolerance:
            match.confidence = min(match.confidence, 0.6)
            match.reason += f"; {left} more than the invoices found"
        return match
