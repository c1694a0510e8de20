"""The rate table in use: shipped data plus what administrators added."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from relance.core.penalties import ContractRate
from relance.core.rates import LegalRate, RateTable, semester_start, shipped_rates
from relance.timeline.services import record

from .models import RateEntry, RateKind


def rate_table() -> RateTable:
    """Shipped rates, then the confirmed entries in date order (a fetched rate
    waits for a person)."""
    table = shipped_rates()
    for entry in RateEntry.objects.filter(confirmed=True):
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
        raise ValidationError(
            _("%(label)s %(value)s%% is not a plausible rate")
            % {"label": label, "value": value}
        )


def add_ecb_rate(effective: date, rate: Decimal, source: str, actor: str) -> RateEntry:
    _check_rate(rate, _("ECB rate"))
    if not source.strip():
        raise ValidationError(_("every rate needs its source"))
    entry, _created = RateEntry.objects.update_or_create(
        kind=RateKind.ECB,
        day=effective,
        defaults={"rate": rate, "source": source, "added_by": actor},
    )
    return entry


def confirm_ecb_until(until: date, source: str, actor: str) -> RateEntry:
    if not source.strip():
        raise ValidationError(_("say where the confirmation comes from (source)"))
    entry, _created = RateEntry.objects.update_or_create(
        kind=RateKind.ECB_CONFIRMED,
        day=until,
        defaults={"source": source, "added_by": actor},
    )
    return entry


def add_legal_rate(
    start: date, individual: Decimal, other: Decimal, source: str, actor: str
) -> RateEntry:
    if semester_start(start) != start:
        raise ValidationError(_("a legal-rate half-year starts on 1 January or 1 July"))
    _check_rate(individual, _("individual rate"))
    _check_rate(other, _("other rate"))
    if not source.strip():
        raise ValidationError(_("every rate needs its source"))
    entry, _created = RateEntry.objects.update_or_create(
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


def contract_rate(org, customer) -> ContractRate | None:
    """The penalty rate agreed with the customer, else the organisation's terms
    of sale, else none (the statutory rate)."""
    text = customer.penalty_rate or org.penalty_rate
    try:
        return ContractRate.parse(text)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def set_customer_terms(customer, changes: dict, actor: str):
    """Change what the law and the contract give against one customer (its kind:
    business, consumer or public buyer; its penalty rate), and say so on the
    timeline."""
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.full_clean()
    customer.save(update_fields=list(changes))
    record(
        customer.org,
        "customer.terms_changed",
        actor=actor,
        customer_id=customer.pk,
        data={k: str(v) for k, v in changes.items()},
    )
    return customer


def record_fetched(fetched, source: str, actor: str) -> list[RateEntry]:
    """Keep what the ECB's data portal brought as rates waiting for a person: each
    new rate, and that the rate did not change until the series' last day."""
    entries = []
    for day, rate in fetched.changes:
        entry, _created = RateEntry.objects.get_or_create(
            kind=RateKind.ECB,
            day=day,
            defaults={
                "rate": rate,
                "source": source,
                "added_by": actor,
                "confirmed": False,
            },
        )
        entries.append(entry)
    if fetched.last_day > rate_table().ecb_known_until:
        entry, _created = RateEntry.objects.get_or_create(
            kind=RateKind.ECB_CONFIRMED,
            day=fetched.last_day,
            defaults={"source": source, "added_by": actor, "confirmed": False},
        )
        entries.append(entry)
    return entries


def pending_rates():
    return RateEntry.objects.filter(confirmed=False).order_by("day", "kind")


def confirm_fetched(pk: int, actor: str) -> RateEntry:
    """A person has checked a fetched rate against the ECB's own release. That the
    rate held until a day is confirmed only after every change before it."""
    entry = RateEntry.objects.filter(pk=pk, confirmed=False).first()
    if entry is None:
        raise ValidationError(
            _("no rate waiting for confirmation with id %(id)s") % {"id": pk}
        )
    if (
        entry.kind == RateKind.ECB_CONFIRMED
        and pending_rates().filter(kind=RateKind.ECB, day__lte=entry.day).exists()
    ):
        raise ValidationError(
            _(
                "confirm the rate changes before that day first: the rate cannot be "
                "known to hold until a day while a change before it is unconfirmed"
            )
        )
    entry.confirmed = True
    entry.added_by = f"{entry.added_by}; confirmed by {actor}"[:200]
    entry.save(update_fields=["confirmed", "added_by"])
    return entry
