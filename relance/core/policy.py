"""A dunning policy: an ordered list of steps, each a channel, template and tone,
placed by its offset in days from the due date (negative: before it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"  # a call for a person to make, with a call sheet
    LETTER = "letter"  # printed or electronic registered letter
    TASK = "task"  # internal work, e.g. preparing a court file


class Tone(StrEnum):
    COURTEOUS = "courteous"
    FRIENDLY = "friendly"
    NEUTRAL = "neutral"
    FIRM = "firm"
    URGENT = "urgent"
    FORMAL = "formal"
    LEGAL = "legal"
    WARM = "warm"


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    offset_days: int
    channel: Channel
    template: str
    tone: Tone
    send_time: time = time(9, 0)
    # The step is never the first contact about a late invoice: it needs an
    # earlier step sent after the due date (its wording refers to it, or it is
    # too formal to open with). A first contact is always a plain reminder.
    needs_previous: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    steps: tuple[Step, ...]
    thank_you: Step | None = None
    min_amount: Decimal = Decimal("0")
    # Thank a customer only for payments this recent (older ones would surprise).
    thank_you_within_days: int = 30
    name: str = "default"
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        keys = [s.key for s in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError(f"policy {self.name!r}: duplicate step keys in {keys}")
        offsets = [s.offset_days for s in self.steps]
        if offsets != sorted(offsets) or len(set(offsets)) != len(offsets):
            raise ValueError(
                f"policy {self.name!r}: step offsets must strictly increase, "
                f"got {offsets}"
            )
        if self.thank_you and self.thank_you.key in keys:
            raise ValueError(f"policy {self.name!r}: thank-you key reused by a step")
        self._index.update({k: i for i, k in enumerate(keys)})

    def index(self, key: str) -> int | None:
        return self._index.get(key)


DEFAULT_POLICY = Policy(
    name="default",
    steps=(
        Step("pre_reminder", -4, Channel.EMAIL, "pre_reminder", Tone.COURTEOUS),
        Step("reminder_1", 1, Channel.EMAIL, "reminder_1", Tone.FRIENDLY),
        Step(
            "call",
            2,
            Channel.PHONE,
            "call",
            Tone.NEUTRAL,
            send_time=time(9, 30),
            needs_previous=True,
        ),
        Step(
            "reminder_2",
            10,
            Channel.EMAIL,
            "reminder_2",
            Tone.FIRM,
            needs_previous=True,
        ),
        Step(
            "reminder_3",
            20,
            Channel.EMAIL,
            "reminder_3",
            Tone.URGENT,
            needs_previous=True,
        ),
        Step(
            "registered_letter",
            30,
            Channel.LETTER,
            "registered_letter",
            Tone.FORMAL,
            needs_previous=True,
        ),
        Step(
            "formal_notice",
            40,
            Channel.LETTER,
            "formal_notice",
            Tone.LEGAL,
            needs_previous=True,
        ),
        Step("legal", 55, Channel.TASK, "legal", Tone.LEGAL, needs_previous=True),
    ),
    thank_you=Step("thank_you", 0, Channel.EMAIL, "thank_you", Tone.WARM),
)
