"""Match money received to open invoices.

In order of trust: invoice numbers found in the remittance text (also split,
spaced or with another prefix), then the payer's name against customers (fuzzy)
with the amount against that customer's open invoices (one, all, or a few of
them), then the amount alone. Each match has a confidence; the caller applies
those above its threshold and puts the rest in a review queue with the
candidates."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations, islice

from rapidfuzz import fuzz, process, utils

from .gc_pause import paused_gc

ZERO = Decimal("0")
NAME_SCORE = 88  # rapidfuzz token_set_ratio for a payer to be that customer
MAX_COMBINATION = 4  # invoices one payment may settle without a reference
SCAN_ALL_NAMES = 2000  # below this many customers, compare the payer with each
NAME_CANDIDATES = 200  # else, only with those sharing the most name words
# Words that say nothing about who a company is: legal forms, "et associés",
# "groupe", articles. They are left out of names before comparing them.
_NOISE = """sa sas sasu sarl eurl sci snc selarl selas scop scp scm ets etablissements
societe ste et de du des la le les l d m mr mme mlle monsieur madame cie and the
ltd gmbh associes associe groupe group holding eirl ei inc llc plc bv srl"""
NAME_NOISE = frozenset(_NOISE.split())
# Words of a bank label that are not the payer's name.
_LABEL = """vir virement sepa recu emis inst instantane prlv prelevement cb
carte remise chq cheque de motif ref date id"""
_LABEL_NOISE = frozenset(_LABEL.split())


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
    # The invoices of the reminders whose RF references the line carries.
    reminded: tuple[int, ...] = ()


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


def _plain_name(name: str) -> str:
    """ "Frères & Cie" -> "freres cie": accents and punctuation are noise."""
    if not name.isascii():
        decomposed = unicodedata.normalize("NFKD", name)
        name = "".join(c for c in decomposed if not unicodedata.combining(c))
    return utils.default_process(name)


def _core_name(plain: str) -> str:
    """A plain name without its noise words ("cabinet fontaine et associes" ->
    "cabinet fontaine"); the name itself when nothing else is left."""
    words = [w for w in plain.split() if w not in NAME_NOISE]
    return " ".join(words) or plain


def _name_keys(name: str, plain: bool = False) -> set[str]:
    """The words of a name that tell customers apart, and their first four
    letters (so that "Boulangrie" still meets "Boulangerie")."""
    text = name if plain else _plain_name(name)
    words = [w for w in text.split() if w not in NAME_NOISE]
    keys = set(words)
    keys.update([w[:4] + "*" for w in words if len(w) > 4])
    return keys


_NOT_DIGITS = re.compile(r"[^\d\n]+")
_RUN_ZEROS = re.compile(r"\|0+(?=\d)")
# ASCII text: every character but digits and newlines becomes a run separator.
_TO_SEPARATOR = {c: "|" for c in range(128) if not chr(c).isdigit() and c != 10}


def _number_keys(numbers: list[str]) -> tuple[list[str], list[str], list[str]]:
    """For each invoice number, the two spellings of `_keys` (digits as written,
    and each digit run without its leading zeros) and its last run alone ("123"
    of F2026-00123, as customers often cite it), computed over all numbers at
    once: a million invoices are indexed in C, not in a Python loop."""
    if not numbers:
        return [], [], []
    text = "\n".join(n.replace("\n", " ") for n in numbers)
    if text.isascii():
        runs = "|" + text.translate(_TO_SEPARATOR).replace("\n", "\n|")
    else:  # rare: let the regex engine tell Unicode digits from the rest
        runs = "|" + _NOT_DIGITS.sub("|", text).replace("\n", "\n|")
    as_written = runs.replace("|", "").split("\n")
    unpadded_runs = _RUN_ZEROS.sub("|", runs)
    unpadded = unpadded_runs.replace("|", "").split("\n")
    tails = [line.rpartition("|")[2] for line in unpadded_runs.split("\n")]
    return [k.lstrip("0") for k in as_written], unpadded, tails


def _reference_keys(text: str) -> set[str]:
    """Digit groups of the text, alone and joined with their neighbours, so that
    "FA 2026 00123" finds invoice F2026-00123."""
    runs = re.findall(r"\d+", text)
    keys: set[str] = set()
    for i in range(len(runs)):
        for j in range(i + 1, min(i + 3, len(runs)) + 1):
            keys |= _keys(runs[i:j])
    return keys


class _KeyIndex:
    """Invoices by key, built from two parallel lists in C (dict(zip(...))):
    most keys name one invoice, and only the shared ones get a list."""

    def __init__(self, keys: list[str], items: list[OpenItem]):
        self.one = dict(zip(keys, items, strict=True))
        self.many: dict[str, list[OpenItem]] = defaultdict(list)
        if len(self.one) < len(keys):
            shared = {k for k, n in Counter(keys).items() if n > 1}
            for key, item in zip(keys, items, strict=True):
                if key in shared:
                    self.many[key].append(item)

    def get(self, key: str) -> list[OpenItem]:
        return self.many[key] if key in self.many else [self.one[key]]


class Matcher:
    def __init__(
        self,
        items: Iterable[OpenItem],
        tolerance: Decimal = Decimal("2.00"),
        amounts: set[Decimal] | None = None,
    ):
        """`amounts`, when given, are the only credit amounts that will be
        matched: the amount index then keeps only those (a large saving on a
        big ledger)."""
        with paused_gc():
            self._index(items, tolerance, amounts)

    def _index(self, items, tolerance, amounts) -> None:
        self.tolerance = tolerance
        self.items = {i.invoice_id: i for i in items}
        values = list(self.items.values())
        # What is still open, lowered as matches are applied within one statement.
        self.remaining = {i.invoice_id: i.open_amount for i in values}
        written, unpadded, tails = _number_keys([i.number for i in values])
        self._by_written = _KeyIndex(written, values)
        self._by_unpadded = _KeyIndex(unpadded, values)
        self._tails = _KeyIndex(tails, values)
        self.by_customer: dict[int, list[OpenItem]] = defaultdict(list)
        self.by_amount: dict[Decimal, list[OpenItem]] = defaultdict(list)
        by_customer, by_amount = self.by_customer, self.by_amount
        for item in values:
            by_customer[item.customer_id].append(item)
        for item in values:
            if amounts is None or item.open_amount in amounts:
                by_amount[item.open_amount].append(item)
        # Names as compared: lower case, no accents, no punctuation, no legal
        # form nor other noise words.
        raw = {i.customer_id: i.customer_name for i in values}
        self.names = {cid: _core_name(_plain_name(name)) for cid, name in raw.items()}
        # Customers by name word (and word prefix, for typos): a payer is then
        # compared with a few hundred names, not with every customer.
        self.by_word: dict[str, list[int]] = defaultdict(list)
        if len(self.names) > SCAN_ALL_NAMES:
            for cid, name in self.names.items():
                for key in _name_keys(name, plain=True):
                    self.by_word[key].append(cid)

    def _with_number_key(self, key: str) -> list[OpenItem]:
        found = []
        for index in (self._by_written, self._by_unpadded):
            if key in index.one:
                found += index.get(key)
        return found

    def consume(self, match: Match) -> None:
        """Record a match applied, so that later lines cannot pay the same money."""
        for invoice_id, amount in [*match.allocations, *match.write_offs]:
            self.remaining[invoice_id] -= amount

    def _open(self, items: Iterable[OpenItem]) -> list[OpenItem]:
        return [i for i in items if self.remaining[i.invoice_id] > 0]

    def match(self, credit: Credit) -> Match:
        found = self._reminded(credit)
        if found:
            return self._settle(credit, found, "creditor reference of a reminder", 0.99)
        found = self._by_reference(credit)
        if found:
            return self._settle(credit, found, "invoice number in the remittance", 0.98)
        found = self._by_tail(credit)
        if found:
            return self._settle(
                credit, found, "last digits of the invoice number and its amount", 0.85
            )
        customers, named, trust = self._by_name(credit.payer), "payer name", 0.9
        if not customers:
            customers = self._named_in(credit.text)
            named, trust = "name in the bank label", 0.85
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
                    credit, combo, f"{named} and amount of {what}", trust
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
            for i in self._open(self.by_amount.get(credit.amount, []))
            if self.remaining[i.invoice_id] == i.open_amount
            and i.currency == credit.currency
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

    def _reminded(self, credit: Credit) -> list[OpenItem]:
        items = [self.items[i] for i in credit.reminded if i in self.items]
        return sorted(
            (i for i in self._open(items) if i.currency == credit.currency),
            key=lambda i: (str(i.due_date), i.number),
        )

    def _by_reference(self, credit: Credit) -> list[OpenItem]:
        found: dict[int, OpenItem] = {}
        for key in _reference_keys(credit.text):
            for item in self._open(self._with_number_key(key)):
                if item.currency == credit.currency:
                    found[item.invoice_id] = item
        return sorted(found.values(), key=lambda i: (str(i.due_date), i.number))

    def _by_tail(self, credit: Credit) -> list[OpenItem]:
        """Invoices whose number ends with a digit run of the text ("FACT 123"
        for F2026-00123) and whose open amount is the credit's: one, or none."""
        found: dict[int, OpenItem] = {}
        for key in re.findall(r"\d{3,}", credit.text):
            key = key.lstrip("0")
            if key not in self._tails.one:
                continue
            for item in self._open(self._tails.get(key)):
                if (
                    item.currency == credit.currency
                    and abs(self.remaining[item.invoice_id] - credit.amount)
                    <= self.tolerance
                ):
                    found[item.invoice_id] = item
        return list(found.values()) if len(found) == 1 else []

    def _name_candidates(self, payer: str) -> dict[int, str]:
        """The customers worth comparing with a payer: those having one of its
        rarer words; when all its words are common, those having all of them."""
        if len(self.names) <= SCAN_ALL_NAMES:
            return self.names
        postings = sorted(
            (p for k in _name_keys(payer, plain=True) if (p := self.by_word.get(k))),
            key=len,
        )
        chosen: set[int] = set()
        for posting in postings[:3]:
            if len(posting) <= NAME_CANDIDATES:
                chosen.update(posting)
        if not chosen and postings:
            chosen = set(postings[0])
            for posting in postings[1:]:
                if len(chosen) <= NAME_CANDIDATES:
                    break
                chosen = chosen.intersection(posting) or chosen
        return {cid: self.names[cid] for cid in islice(chosen, NAME_CANDIDATES * 5)}

    def _named_in(self, text: str) -> list[int]:
        """Customers whose whole name stands among the words of a bank label
        ("VIR SEPA BOULANGERIE VINCENT"), the longest names first; a name of one
        short word names no one."""
        words = set(_plain_name(text).split()) - _LABEL_NOISE
        if not words or not self.names:
            return []
        if len(self.names) <= SCAN_ALL_NAMES:
            pool = self.names
        else:
            ids = {cid for w in words for cid in self.by_word.get(w, ())}
            pool = {cid: self.names[cid] for cid in ids}
        found = []
        for cid, name in pool.items():
            parts = name.split()
            if (len(parts) > 1 or len(name) >= 5) and words.issuperset(parts):
                found.append((-len(parts), cid))
        return [cid for _, cid in sorted(found)][:3]

    def _by_name(self, payer: str) -> list[int]:
        if not payer.strip() or not self.names:
            return []
        payer = _core_name(_plain_name(payer))
        hits = process.extract(
            payer,
            self._name_candidates(payer),
            scorer=fuzz.token_set_ratio,
            processor=None,
            score_cutoff=NAME_SCORE,
            limit=3,
        )
        return [cid for _, _, cid in hits]

    def _combination(self, amount: Decimal, items: list[OpenItem]) -> list[OpenItem]:
        """One invoice, all of them, or up to MAX_COMBINATION that the amount pays,
        give or take the tolerance (bank fees); the oldest first on ties. Sums
        are taken in cents, as integers: this runs for every unreferenced credit."""
        items = sorted(
            (i for i in items if self.remaining[i.invoice_id] > 0),
            key=lambda i: (str(i.due_date), i.number),
        )
        cents = [int(self.remaining[i.invoice_id] * 100) for i in items]
        target, tolerance = int(amount * 100), int(self.tolerance * 100)
        if items and abs(sum(cents) - target) <= tolerance:
            return items
        indices = range(len(items))
        for size in range(1, min(MAX_COMBINATION, len(items)) + 1):
            for combo in combinations(indices, size):
                if abs(sum(cents[k] for k in combo) - target) <= tolerance:
                    return [items[k] for k in combo]
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
