"""Rate tables for French late-payment law: the ECB main refinancing rate and the
legal interest rate (taux de l'intérêt légal). They ship as data files with their
sources; an administrator adds each new half-year. A rate the table does not know
raises MissingRate: we never guess."""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from importlib import resources

# Before 2013 the L441-10 rate followed each ECB operation, without the half-year
# rule; those rules are not implemented.
SEMESTER_RULE_FROM = date(2013, 1, 1)
B2B_MARGIN = Decimal("10")
# Code de la commande publique R2192-31: ECB rate + 8 points for public buyers.
PUBLIC_MARGIN = Decimal("8")


class MissingRate(LookupError):
    """A computation needs a rate the table does not have."""


@dataclass(frozen=True, slots=True)
class EcbRate:
    effective: date
    rate: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class LegalRate:
    start: date
    individual: Decimal  # créancier personne physique hors besoins professionnels
    other: Decimal  # tous les autres cas
    source: str


def semester_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def semester_end(day: date) -> date:
    return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)


def semester_label(day: date) -> str:
    return f"{day.year} S{1 if day.month <= 6 else 2}"


@dataclass(frozen=True)
class RateTable:
    ecb: tuple[EcbRate, ...]
    ecb_known_until: date  # no ECB decision after the last row up to this day
    legal: tuple[LegalRate, ...]

    def ecb_on(self, day: date) -> EcbRate:
        """The ECB rate in force on a day."""
        if day > self.ecb_known_until:
            raise MissingRate(
                f"the ECB main refinancing rate in force on {day.isoformat()} is not "
                f"in the table (known until {self.ecb_known_until.isoformat()}); "
                "add it with `relance rates add-ecb`"
            )
        idx = bisect_right([r.effective for r in self.ecb], day) - 1
        if idx < 0:
            raise MissingRate(f"no ECB rate before {self.ecb[0].effective.isoformat()}")
        return self.ecb[idx]

    def b2b_rate(self, day: date) -> tuple[Decimal, str]:
        """L441-10 default rate: ECB rate on 1 Jan or 1 Jul, plus 10 points."""
        return self._ecb_plus(day, B2B_MARGIN, "+ 10")

    def public_rate(self, day: date) -> tuple[Decimal, str]:
        """Moratory interest owed by a public buyer (Code de la commande publique
        R2192-31): the ECB rate in force on the first day of the half-year of
        `day`, plus 8 points. The caller keeps it for the whole delay."""
        return self._ecb_plus(day, PUBLIC_MARGIN, "+ 8, R2192-31")

    def _ecb_plus(self, day: date, margin: Decimal, rule: str) -> tuple[Decimal, str]:
        """The ECB rate in force on the first day of the half-year of `day`, plus
        `margin`, with how it was found."""
        if day < SEMESTER_RULE_FROM:
            raise MissingRate(
                f"{day.isoformat()}: late-payment rates before 2013 followed other "
                "rules and are not supported"
            )
        start = semester_start(day)
        ecb = self.ecb_on(start)
        return ecb.rate + margin, (
            f"{semester_label(day)}: ECB {ecb.rate}% on {start.isoformat()} {rule} "
            f"({ecb.source})"
        )

    def missing_for(self, day: date) -> tuple[str, ...]:
        """What the table lacks for the half-year of `day`: "ecb" (the rate in
        force on its first day) and/or "legal" (its legal interest rates)."""
        start = semester_start(day)
        missing = []
        if self.ecb_known_until < start:
            missing.append("ecb")
        if self.legal[-1].start < start:
            missing.append("legal")
        return tuple(missing)

    def legal_rate(self, day: date, category: str = "other") -> tuple[Decimal, str]:
        idx = bisect_right([r.start for r in self.legal], day) - 1
        if idx < 0:
            raise MissingRate(f"no legal interest rate before {self.legal[0].start}")
        row = self.legal[idx]
        # Half-yearly since 2015: the last row covers its own half-year only.
        last = idx == len(self.legal) - 1
        if last and row.start.year >= 2015 and semester_start(day) != row.start:
            raise MissingRate(
                f"the legal interest rate for {semester_label(day)} is not in the "
                "table; add it with `relance rates add-legal`"
            )
        rate = row.individual if category == "individual" else row.other
        return rate, f"{semester_label(day)}: taux légal {rate}% ({row.source})"

    def with_ecb(self, effective: date, rate: Decimal, source: str) -> RateTable:
        rows = {r.effective: r for r in self.ecb}
        rows[effective] = EcbRate(effective, rate, source)
        return replace(
            self,
            ecb=tuple(sorted(rows.values(), key=lambda r: r.effective)),
            ecb_known_until=max(self.ecb_known_until, effective),
        )

    def with_ecb_confirmed(self, until: date) -> RateTable:
        """Record that no ECB decision changed the rate up to `until`."""
        return replace(self, ecb_known_until=max(self.ecb_known_until, until))

    def with_legal(self, row: LegalRate) -> RateTable:
        rows = {r.start: r for r in self.legal}
        rows[row.start] = row
        return replace(self, legal=tuple(sorted(rows.values(), key=lambda r: r.start)))


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("relance.core").joinpath("data", name).read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def shipped_rates() -> RateTable:
    """The tables shipped with relance, with their sources."""
    ecb = tuple(
        EcbRate(date.fromisoformat(r["effective"]), Decimal(r["rate"]), r["source"])
        for r in _rows("ecb_mro.csv")
    )
    legal = tuple(
        LegalRate(
            date.fromisoformat(r["start"]),
            Decimal(r["individual"]),
            Decimal(r["other"]),
            r["source"],
        )
        for r in _rows("legal_interest.csv")
    )
    known = resources.files("relance.core").joinpath("data", "ecb_known_until.txt")
    return RateTable(ecb, date.fromisoformat(known.read_text().strip()), legal)
