"""Printing command results: JSON with --json, readable text otherwise."""

import json
from datetime import date, datetime
from decimal import Decimal


def _default(value):
    if isinstance(value, Decimal | date | datetime):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


def emit(command, data, as_json: bool, text: str | None = None) -> None:
    command.stdout.write(to_json(data) if as_json else (text or to_json(data)))


def parse_day(value: str):
    try:
        return date.fromisoformat(value)
    except ValueError:
        from django.core.management.base import CommandError

        raise CommandError(f"--date must be YYYY-MM-DD, got {value!r}") from None
