"""Which policy each customer segment follows in an organisation: the built-in
one, or the organisation's own version saved from the policies editor."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from relance.core.policy import (
    INSTALMENT_POLICY,
    POLICIES,
    Policy,
    Step,
)
from relance.core.policy_config import from_data, to_data
from relance.core.scoring import Segment
from relance.timeline.services import record

from .models import PolicySetting

SEGMENTS = tuple(s.value for s in Segment)


def policies_for(org) -> dict[str, Policy]:
    """The policy of each customer segment ("default" for any other)."""
    out = dict(POLICIES)
    for segment, data in PolicySetting.objects.filter(org=org).values_list(
        "segment", "data"
    ):
        out[segment] = from_data(data, name=segment)
    out["default"] = out[Segment.GOOD]
    return out


def step_lookup(org) -> Callable[[object], Step | None]:
    """A function giving the policy step an action was planned from, under the
    policy the action names (built in or the organisation's, even if edited
    since). Built once per batch: the organisation's policies are read once."""
    # Built-in first, so the organisation's own version of a name wins.
    known = [*POLICIES.values(), INSTALMENT_POLICY, *policies_for(org).values()]
    by_name = {p.name: p for p in known}

    def step_of(action) -> Step | None:
        policy = by_name.get(action.policy)
        if policy is None:
            return None
        if policy.thank_you and policy.thank_you.key == action.step:
            return policy.thank_you
        idx = policy.index(action.step)
        return policy.steps[idx] if idx is not None else None

    return step_of


@transaction.atomic
def save_policy(org, segment: str, data: dict, actor: str) -> Policy:
    """Check and keep a segment's policy; the next run follows it. Raises
    PolicyError (every problem, by field) and keeps nothing when it is wrong."""
    if segment not in SEGMENTS:
        raise ValueError(f"segment must be one of {', '.join(SEGMENTS)}")
    policy = from_data(data, name=segment)
    clean = to_data(policy)
    PolicySetting.objects.update_or_create(
        org=org, segment=segment, defaults={"data": clean, "updated_by": actor}
    )
    record(org, "policy.saved", actor=actor, data={"segment": segment, **clean})
    return policy


@transaction.atomic
def reset_policy(org, segment: str, actor: str) -> None:
    """Back to the built-in policy for this segment."""
    deleted, _ = PolicySetting.objects.filter(org=org, segment=segment).delete()
    if deleted:
        record(org, "policy.reset", actor=actor, data={"segment": segment})
