"""Structured creditor references (ISO 11649, "RF…") that name one reminder:
derived from the reminder's id, so nothing is stored, and read back from a bank
line's remittance, so the payment finds exactly the invoices it was asked for."""

from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10

PREFIX = "RL"  # what tells relance's references from other creditors'
SCAN_CHARS = 2_000  # a remittance is 140 characters; a line is read this far
_START = re.compile(r"RF\d\d", re.IGNORECASE)
_BODY = re.compile(r"[A-Z0-9 ]{1,30}", re.IGNORECASE)


def for_reminder(reminder_id: int) -> str:
    """The reference of a reminder, e.g. RF47RL1234 (printed in groups of four)."""
    body = f"{PREFIX}{reminder_id}"
    return "RF" + mod_97_10.calc_check_digits(body + "RF") + body


def printed(reference: str) -> str:
    return iso11649.format(reference)


def reminder_id(reference: str) -> int | None:
    """The reminder a valid reference of ours names; None for anything else."""
    try:
        compact = iso11649.validate(reference)
    except ValidationError:
        return None
    body = compact[4:]
    if body.startswith(PREFIX) and body[len(PREFIX) :].isdigit():
        return int(body[len(PREFIX) :])
    return None


def reminders_in(text: str) -> list[int]:
    """The reminders named by the references in a text, in order, each once.
    A reference may be spaced and followed by other words: each start is tried
    at every length, the longest valid one kept (at most 30 tries a start)."""
    found: list[int] = []
    text = text[:SCAN_CHARS]
    for start in _START.finditer(text):
        body = _BODY.match(text, start.end())
        if body is None:
            continue
        run = body.group()
        for end in range(len(run), 0, -1):
            if run[end - 1] == " ":
                continue
            reminder = reminder_id(start.group() + run[:end])
            if reminder is not None:
                if reminder not in found:
                    found.append(reminder)
                break
    return found
