"""Values read from a query string or a form that no widget of ours produces
badly: one that cannot be read is the client's mistake, so it is a 400
(BadRequest), never a 500 further down."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import BadRequest

from relance.formats.tabular import parse_decimal

MAX_ID = 2**63 - 1  # the largest primary key a database holds
MAX_AMOUNT = Decimal("1e12")  # a trillion: beyond any invoice
MAX_YEARS = 50  # dates beyond this far from today are typing mistakes


def positive_id(params, name: str) -> int:
    text = params.get(name, "")
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise BadRequest(f"{name} must be a positive whole number")
    return int(text)


def amount(params, name: str, default: Decimal) -> Decimal:
    """A positive amount to the cent, `default` when not given."""
    text = params.get(name, "").strip()
    if not text:
        return default
    try:
        value = parse_decimal(text)
    except ValueError:
        raise BadRequest(f"{name} is not an amount") from None
    if not 0 < value < MAX_AMOUNT:
        raise BadRequest(f"{name} must be between 0 and {MAX_AMOUNT:,.0f}")
    return value.quantize(Decimal("0.01"))


def day(params, name: str, default: date, today: date) -> date:
    """An ISO date within MAX_YEARS of `today`, `default` when not given."""
    text = params.get(name, "").strip()
    if not text:
        return default
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} is not a date (YYYY-MM-DD)") from None
    if abs((value - today).days) > MAX_YEARS * 365:
        raise BadRequest(f"{name} is more than {MAX_YEARS} years from today")
    return value
