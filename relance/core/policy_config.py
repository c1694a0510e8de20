"""A policy as plain, editable data and back, with every mistake named.

An organisation tunes the built-in steps (switch one off, move it, change its
channel, tone, window or approval) and the policy's thresholds; it does not invent
steps, because each step's wording, letter and prerequisites come with it. The
data is what the policies editor posts and what the database keeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from .policy import DEFAULT_POLICY, THANK_YOU, Channel, Policy, SendWindow, Step, Tone

# Every step a policy may use, with its wording, prerequisites and defaults.
CATALOG: dict[str, Step] = {s.key: s for s in DEFAULT_POLICY.steps}
OFFSET_RANGE = (-60, 365)
GAP_RANGE = (0, 60)
THANKS_RANGE = (1, 365)
MAX_AMOUNT = Decimal("999999999999.99")


class PolicyError(ValueError):
    """Every problem of a policy's data at once, each with the field it is about."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field}: {text}" for field, text in problems))


def channels(key: str) -> tuple[Channel, ...]:
    """What a step may be sent by: a written reminder may go as a text (SMS,
    WhatsApp) or become a call for a person to make; letters, calls and tasks
    keep their channel."""
    own = CATALOG[key].channel
    if own == Channel.EMAIL:
        return (own, Channel.SMS, Channel.WHATSAPP, Channel.PHONE)
    return (own,)


def to_data(policy: Policy) -> dict[str, Any]:
    steps = {s.key: s for s in policy.steps}
    return {
        "min_amount": str(policy.min_amount),
        "min_gap_days": policy.min_gap_days,
        "approval_amount": (
            None if policy.approval_amount is None else str(policy.approval_amount)
        ),
        "thank_you": policy.thank_you is not None,
        "thank_you_within_days": policy.thank_you_within_days,
        "steps": [
            _step_data(steps.get(key, base), enabled=key in steps)
            for key, base in CATALOG.items()
        ],
    }


def _step_data(step: Step, enabled: bool) -> dict[str, Any]:
    return {
        "key": step.key,
        "enabled": enabled,
        "offset_days": step.offset_days,
        "channel": str(step.channel),
        "tone": str(step.tone),
        "approval": step.requires_approval,
        "involve_owner": step.involve_owner,
        "weekdays": sorted(step.window.weekdays),
        "start": step.window.start.strftime("%H:%M"),
        "end": step.window.end.strftime("%H:%M"),
    }


def from_data(data: dict[str, Any], name: str) -> Policy:
    """The policy `data` describes; PolicyError lists everything wrong with it."""
    problems: list[tuple[str, str]] = []

    def number(field: str, raw, low: int, high: int) -> int:
        try:
            out = int(str(raw).strip())
        except ValueError:
            problems.append((field, f"{raw!r} is not a whole number"))
            return low
        if not low <= out <= high:
            problems.append((field, f"{out} is outside {low} to {high}"))
        return out

    def amount(field: str, optional: bool = False) -> Decimal | None:
        raw = str(data.get(field) or "").strip().replace(" ", "").replace(",", ".")
        if not raw:
            if optional:
                return None
            raw = "0"
        try:
            out = Decimal(raw)
        except InvalidOperation:
            problems.append((field, f"{data.get(field)!r} is not an amount"))
            return Decimal("0")
        if not out.is_finite() or not 0 <= out <= MAX_AMOUNT or out != round(out, 2):
            problems.append((field, f"{raw} is not an amount in euros and cents"))
            return Decimal("0")
        return out

    steps = []
    given = {s.get("key"): s for s in data.get("steps", []) if isinstance(s, dict)}
    unknown = set(given) - set(CATALOG)
    if unknown:
        problems.append(("steps", f"unknown steps {sorted(map(str, unknown))}"))
    for key, base in CATALOG.items():
        raw = given.get(key)
        if raw is None or not raw.get("enabled"):
            continue
        steps.append(_step(key, base, raw, number, problems))
    if not steps:
        problems.append(("steps", "switch on at least one step"))
    keys = {s.key for s in steps}
    for s in steps:
        if s.requires and not keys & set(s.requires):
            problems.append(
                (
                    f"{s.key}.enabled",
                    f"{s.key} follows one of {', '.join(s.requires)}: "
                    "switch one of them on, or this step never comes",
                )
            )
    # Steps are in the catalog's order; their days must follow it. A day that
    # is not a number says nothing about the order.
    offsets = [s.offset_days for s in steps]
    if not any(field.endswith(".offset_days") for field, _ in problems):
        if len(set(offsets)) != len(offsets):
            problems.append(("steps", "two steps fall on the same day"))
        elif offsets != sorted(offsets):
            problems.append(
                ("steps", "steps must keep their order: each comes after the one above")
            )
    fields = {
        "min_amount": amount("min_amount"),
        "approval_amount": amount("approval_amount", optional=True),
        "min_gap_days": number("min_gap_days", data.get("min_gap_days"), *GAP_RANGE),
        "thank_you_within_days": number(
            "thank_you_within_days", data.get("thank_you_within_days"), *THANKS_RANGE
        ),
    }
    if problems:
        raise PolicyError(problems)
    return Policy(
        name=name,
        steps=tuple(steps),
        thank_you=THANK_YOU if data.get("thank_you") else None,
        **fields,
    )


def _step(key, base: Step, raw: dict, number, problems) -> Step:
    offset = number(f"{key}.offset_days", raw.get("offset_days"), *OFFSET_RANGE)
    channel = raw.get("channel", base.channel)
    if channel not in channels(key):
        problems.append(
            (f"{key}.channel", f"{channel!r} is not one of {list(channels(key))}")
        )
        channel = base.channel
    tone = raw.get("tone", base.tone)
    if tone not in {t.value for t in Tone}:
        problems.append((f"{key}.tone", f"{tone!r} is not a tone"))
        tone = base.tone
    window = base.window
    try:
        window = SendWindow(
            frozenset(int(d) for d in raw.get("weekdays", ())),
            time.fromisoformat(str(raw.get("start", ""))),
            time.fromisoformat(str(raw.get("end", ""))),
        )
    except (TypeError, ValueError) as exc:
        problems.append((f"{key}.window", str(exc)))
    return replace(
        base,
        offset_days=offset,
        channel=Channel(channel),
        tone=Tone(tone),
        window=window,
        requires_approval=bool(raw.get("approval")),
        involve_owner=bool(raw.get("involve_owner")),
    )
