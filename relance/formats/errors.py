"""What every reader returns: records plus row-level errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # line number in the file, the header being row 1; 0 for the file
    reason: str
    raw: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ReadResult(Generic[T]):
    records: list[T]
    errors: list[RowError]
    details: dict[str, str] = field(default_factory=dict)
