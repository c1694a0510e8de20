"""Dunning policies: ordered steps, each a channel, template and tone, placed by its
offset in days from the due date (negative: before it), sent inside a window.
One policy per customer segment: the step keys are the same in all of them, so a
customer moving between segments keeps its history."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import time
from decimal import Decimal
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"  # a short text to the customer's mobile, through a provider
    WHATSAPP = "whatsapp"  # the same text, through a WhatsApp provider
    PHONE = "phone"  # a call for a person to make, with a call sheet
    LETTER = "letter"  # printed or electronic registered letter
    TASK = "task"  # internal work, e.g. preparing a court file


# Texts go to a contact's mobile number; messages go through the outbox.
TEXT_CHANNELS = frozenset({Channel.SMS, Channel.WHATSAPP})
MESSAGE_CHANNELS = frozenset({Channel.EMAIL, *TEXT_CHANNELS})
# Channels that reach the customer; written ones respect the minimum gap.
CONTACT_CHANNELS = frozenset({*MESSAGE_CHANNELS, Channel.PHONE, Channel.LETTER})
WRITTEN_CHANNELS = frozenset({*MESSAGE_CHANNELS, Channel.LETTER})


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
class SendWindow:
    """Weekdays (0 = Monday) and local hours when a step may go out."""

    weekdays: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError(
                f"a send window needs weekdays among 0-6, got {self.weekdays}"
            )
        if self.start >= self.end:
            raise ValueError(
                f"a send window must start before it ends ({self.start}-{self.end})"
            )


# Reminders are read best on Tuesday to Thursday mornings (seeds); calls during
# office hours; letters any business day.
EMAIL_WINDOW = SendWindow(frozenset({1, 2, 3}), time(9, 0), time(11, 30))
CALL_WINDOW = SendWindow(frozenset({0, 1, 2, 3, 4}), time(9, 0), time(18, 0))
OFFICE_WINDOW = SendWindow(frozenset({0, 1, 2, 3, 4}), time(9, 0), time(17, 0))
ANY_BUSINESS_DAY_WINDOW = OFFICE_WINDOW


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    offset_days: int
    channel: Channel
    template: str
    tone: Tone
    window: SendWindow = EMAIL_WINDOW
    # Never the first contact about a late invoice: it needs an earlier step sent
    # after the due date (its wording refers to it, or it is too formal to open
    # with). A first contact is always a plain reminder.
    needs_previous: bool = False
    requires_approval: bool = False
    # At least one of these steps must have been done before (the formal sequence
    # keeps its order however late the invoice is).
    requires: tuple[str, ...] = ()
    # Involve the customer's account owner (sales or project lead): in copy of the
    # message, or told by an internal note when the step is a call.
    involve_owner: bool = False
    # What the step's message is and does, read from here by the outbox, the
    # renderer and the letters (a new step or channel says it once, here):
    attaches_invoices: bool = False  # the email carries the invoices' PDFs
    carries_statement: bool = False  # the message carries the statement of sums due
    counts_as_reminder: bool = False  # a letter names it among earlier reminders
    recheck: bool = True  # re-checked against the holds right before it goes
    legal_weight: bool = False  # a formal step: it may be produced in court

    @property
    def written(self) -> bool:
        """A written contact: it keeps the minimum gap with the customer's others."""
        return self.channel in WRITTEN_CHANNELS


@dataclass(frozen=True, slots=True)
class Policy:
    steps: tuple[Step, ...]
    thank_you: Step | None = None
    name: str = "default"
    min_amount: Decimal = Decimal("0")  # open amounts below this are not chased
    min_gap_days: int = 5  # between two written contacts with one customer
    approval_amount: Decimal | None = None  # at or above: a person approves first
    # Thank a customer only for payments this recent (older ones would surprise).
    thank_you_within_days: int = 30
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


def _steps(
    offsets: dict[str, int],
    tones: dict[str, Tone] | None = None,
    approval: frozenset[str] = frozenset(),
) -> tuple[Step, ...]:
    tones = tones or {}
    base = (
        Step(
            "pre_reminder",
            0,
            Channel.EMAIL,
            "pre_reminder",
            Tone.COURTEOUS,
            attaches_invoices=True,
        ),
        Step(
            "reminder_1",
            0,
            Channel.EMAIL,
            "reminder_1",
            Tone.FRIENDLY,
            attaches_invoices=True,
            counts_as_reminder=True,
        ),
        Step(
            "call",
            0,
            Channel.PHONE,
            "call",
            Tone.NEUTRAL,
            CALL_WINDOW,
            True,
            involve_owner=True,
        ),
        Step(
            "reminder_2",
            0,
            Channel.EMAIL,
            "reminder_2",
            Tone.FIRM,
            needs_previous=True,
            involve_owner=True,
            attaches_invoices=True,
            counts_as_reminder=True,
        ),
        Step(
            "reminder_3",
            0,
            Channel.EMAIL,
            "reminder_3",
            Tone.URGENT,
            needs_previous=True,
            involve_owner=True,
            attaches_invoices=True,
            carries_statement=True,
            counts_as_reminder=True,
        ),
        Step(
            "registered_letter",
            0,
            Channel.LETTER,
            "registered_letter",
            Tone.FORMAL,
            OFFICE_WINDOW,
            True,
            carries_statement=True,
            counts_as_reminder=True,
            legal_weight=True,
        ),
        Step(
            "formal_notice",
            0,
            Channel.LETTER,
            "formal_notice",
            Tone.LEGAL,
            OFFICE_WINDOW,
            True,
            carries_statement=True,
            legal_weight=True,
        ),
        Step(
            "legal",
            0,
            Channel.TASK,
            "legal",
            Tone.LEGAL,
            OFFICE_WINDOW,
            True,
            legal_weight=True,
        ),
    )
    prerequisites = {
        "formal_notice": ("reminder_2", "reminder_3", "registered_letter"),
        "legal": ("formal_notice",),
    }
    return tuple(
        replace(
            s,
            offset_days=offsets[s.key],
            tone=tones.get(s.key, s.tone),
            requires_approval=s.key in approval,
            requires=prerequisites.get(s.key, ()),
        )
        for s in base
    )


# A thank-you follows a payment: nothing to re-check before it goes.
THANK_YOU = Step(
    "thank_you", 0, Channel.EMAIL, "thank_you", Tone.WARM, OFFICE_WINDOW, recheck=False
)

DEFAULT_POLICY = Policy(
    name="default",
    steps=_steps(
        {
            "pre_reminder": -4,
            "reminder_1": 1,
            "call": 2,
            "reminder_2": 10,
            "reminder_3": 20,
            "registered_letter": 30,
            "formal_notice": 40,
            "legal": 55,
        }
    ),
    thank_you=THANK_YOU,
)
# Chronic late payers: the firm sequence comes sooner.
CHRONIC_POLICY = Policy(
    name="chronic",
    steps=_steps(
        {
            "pre_reminder": -5,
            "reminder_1": 1,
            "call": 2,
            "reminder_2": 7,
            "reminder_3": 14,
            "registered_letter": 21,
            "formal_notice": 28,
            "legal": 45,
        }
    ),
    thank_you=THANK_YOU,
)
# Key accounts: more time, a formal tone, and a person approves every letter.
KEY_ACCOUNT_POLICY = Policy(
    name="key_account",
    steps=_steps(
        {
            "pre_reminder": -5,
            "reminder_1": 3,
            "call": 5,
            "reminder_2": 14,
            "reminder_3": 25,
            "registered_letter": 35,
            "formal_notice": 45,
            "legal": 60,
        },
        tones={"reminder_1": Tone.FORMAL, "reminder_2": Tone.FORMAL},
        approval=frozenset({"registered_letter", "formal_notice", "legal"}),
    ),
    thank_you=THANK_YOU,
)
POLICIES: dict[str, Policy] = {
    "good": DEFAULT_POLICY,
    "occasional": DEFAULT_POLICY,
    "chronic": CHRONIC_POLICY,
    "key_account": KEY_ACCOUNT_POLICY,
}

# Payment plans: each instalment gets a courtesy notice, a reminder, then a last one.
# History keys carry the instalment number: "instalment_late#2".
INSTALMENT_POLICY = Policy(
    name="instalments",
    steps=(
        Step("instalment_due", -3, Channel.EMAIL, "instalment_due", Tone.COURTEOUS),
        Step("instalment_late", 1, Channel.EMAIL, "instalment_late", Tone.FRIENDLY),
        Step(
            "instalment_final",
            7,
            Channel.EMAIL,
            "instalment_final",
            Tone.FIRM,
            needs_previous=True,
        ),
    ),
    min_gap_days=0,
)
INSTALMENT_BREAK_DAYS = 15  # an instalment this late ends the plan


def step_facts(key: str) -> Step | None:
    """A step's facts by its key (an instalment's history key "instalment_late#2"
    included): the same in every policy, since policies change a step's day,
    channel, tone and window, never what it is."""
    return _FACTS.get(key.split("#")[0])


_FACTS = {
    s.key: s for s in (*DEFAULT_POLICY.steps, THANK_YOU, *INSTALMENT_POLICY.steps)
}
