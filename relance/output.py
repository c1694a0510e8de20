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


def parse_day(value: str, option: str = "--date"):
    try:
        return date.fromisoformat(value)
    except ValueError:
        from django.core.management.base import CommandError

        raise CommandError(f"{option} must be YYYY-MM-DD, got {value!r}") from None


def organisation_option(slug: str):
    """The organisation a command's --org names, or a CommandError saying so."""
    from django.core.exceptions import ValidationError
    from django.core.management.base import CommandError

    from relance.orgs.services import organisation_by_slug

    try:
        return organisation_by_slug(slug)
    except ValidationError as exc:
        raise CommandError("; ".join(exc.messages)) from None
