"""What every reader returns: records plus row-level errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # line number in the file, the header being row 1; 0 for the file
    reason: str
    raw: dict[str, str] = field(default_factory=dict)
    # With params, `reason` is an English template ("%(limit)s MB") that the
    # caller translates before filling in: this package knows no languages.
    params: dict[str, object] = field(default_factory=dict)

    def message(self, translate: Callable[[str], str] = str) -> str:
        """The reason in the reader's language; `translate` is gettext."""
        text = translate(self.reason)
        return text % self.params if self.params else text


@dataclass(slots=True)
class ReadResult(Generic[T]):
    records: list[T]
    errors: list[RowError]
    details: dict[str, str] = field(default_factory=dict)
    # What the reader assumed to read the file (a date taken from elsewhere):
    # said to the user, nothing rejected.
    notes: list[RowError] = field(default_factory=list)
