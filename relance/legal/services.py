"""The rate table in use: shipped data plus what administrators added."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from relance.core.rates import LegalRate, RateTable, semester_start, shipped_rates

from .models import RateEntry, RateKind


def rate_table() -> RateTable:
    table = shipped_rates()
    for entry in RateEntry.objects.all():
        if entry.kind == RateKind.ECB:
            table = table.with_ecb(entry.day, entry.rate, entry.source)
        elif entry.kind == RateKind.ECB_CONFIRMED:
            table = table.with_ecb_confirmed(entry.day)
        else:
            table = table.with_legal(
                LegalRate(entry.day, entry.rate_individual, entry.rate, entry.source)
            )
    return table


def _check_rate(value: Decimal, label: str) -> None:
    if not Decimal("-5") <= value <= Decimal("30"):
        raise ValidationError(f"{label} {value}% is not a plausible rate")


def add_ecb_rate(effective: date, rate: Decimal, source: str, actor: str) -> RateEntry:
    _check_rate(rate, "ECB rate")
    if not source.strip():
        raise ValidationError("every rate needs its source")
    entry, _ = RateEntry.objects.update_or_create(
        kind=RateKind.ECB,
        day=effective,
        defaults={"rate": rate, "source": source, "added_by": actor},
    )
    return entry


def confirm_ecb_until(until: date, source: str, actor: str) -> RateEntry:
    if not source.strip():
        raise ValidationError("say where the confirmation comes from (--source)")
    entry, _ = RateEntry.objects.update_or_create(
        kind=RateKind.ECB_CONFIRMED,
        day=until,
        defaults={"source": source, "added_by": actor},
    )
    return entry


def add_legal_rate(
    start: date, individual: Decimal, other: Decimal, source: str, actor: str
) -> RateEntry:
    if semester_start(start) != start:
        raise ValidationError("a legal-rate half-year starts on 1 January or 1 July")
    _check_rate(individual, "individual rate")
    _check_rate(other, "other rate")
    if not source.strip():
        raise ValidationError("every rate needs its source")
    entry, _ = RateEntry.objects.update_or_create(
        kind=RateKind.LEGAL,
        day=start,
        defaults={
            "rate": other,
            "rate_individual": individual,
            "source": source,
            "added_by": actor,
        },
    )
    return entry
