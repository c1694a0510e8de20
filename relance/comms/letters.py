"""Sending letters. A provider takes a print-ready PDF and returns its reference:
the default collects them in a daily print batch for a person to post; an
electronic registered letter (LRE) provider plugs in through
RELANCE_LETTER_PROVIDER (none is wired by default)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from relance.formats.letters_pdf import Party
from relance.stored_files import safe_name


class LetterRefused(Exception):
    """The provider will never take this letter (an address it cannot serve)."""


class LetterUnavailable(Exception):
    """The provider did not take the letter and may later: try again."""


class LetterProvider(Protocol):
    name: str

    def submit(self, pdf: bytes, recipient: Party, reference: str, on: date) -> str:
        """Hand the letter over; return the provider's reference for the proof.
        Raises LetterRefused or LetterUnavailable when it surely did not go."""
        ...


class PrintBatch:
    """Letters to print and post by hand, one folder a day."""

    name = "print"

    def submit(self, pdf: bytes, recipient: Party, reference: str, on: date) -> str:
        folder = Path(settings.DATA_DIR) / "print" / on.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / safe_name(f"{reference}.pdf")
        path.write_bytes(pdf)
        return str(path.relative_to(settings.DATA_DIR))


def letter_provider() -> LetterProvider:
    return import_string(settings.RELANCE_LETTER_PROVIDER)()
