"""Policies as editable data: a round trip keeps every built-in policy, and a
wrong edit names each problem and its field."""

from decimal import Decimal

import pytest

from relance.core.policy import POLICIES, Channel, Tone
from relance.core.policy_config import PolicyError, channels, from_data, to_data


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_round_trip_keeps_the_built_in_policies(name):
    policy = POLICIES[name]
    assert from_data(to_data(policy), policy.name) == policy


def edited(**changes):
    data = to_data(POLICIES["good"])
    steps = {s["key"]: s for s in data["steps"]}
    for key, value in changes.items():
        if "__" in key:
            step, field = key.split("__")
            steps[step][field] = value
        else:
            data[key] = value
    return data


def test_an_edit_changes_what_it_says():
    data = edited(
        reminder_1__offset_days="3",
        call__offset_days="4",
        reminder_1__channel="phone",
        reminder_2__tone="formal",
        pre_reminder__enabled=False,
        min_amount="50,00",
        approval_amount="5000",
        thank_you=False,
    )
    policy = from_data(data, "good")
    first = policy.steps[0]
    assert first.key == "reminder_1" and first.offset_days == 3
    assert first.channel is Channel.PHONE
    assert policy.steps[policy.index("reminder_2")].tone is Tone.FORMAL
    assert policy.min_amount == Decimal("50.00")
    assert policy.approval_amount == Decimal("5000")
    assert policy.thank_you is None and policy.name == "good"


def test_every_problem_is_named_with_its_field():
    data = edited(
        reminder_2__offset_days="abc",
        call__channel="letter",
        reminder_3__tone="rude",
        reminder_1__weekdays=[],
        min_amount="-5",
        min_gap_days="99",
    )
    with pytest.raises(PolicyError) as caught:
        from_data(data, "good")
    fields = {field for field, _ in caught.value.problems}
    assert fields == {
        "reminder_2.offset_days",
        "call.channel",
        "reminder_3.tone",
        "reminder_1.window",
        "min_amount",
        "min_gap_days",
    }


def test_order_prerequisites_and_at_least_one_step():
    with pytest.raises(PolicyError, match="keep their order"):
        from_data(edited(reminder_3__offset_days="5"), "good")
    with pytest.raises(PolicyError, match="same day"):
        from_data(edited(reminder_1__offset_days="2"), "good")
    off = {f"{k}__enabled": False for k in ("reminder_2", "reminder_3")}
    off["registered_letter__enabled"] = False
    with pytest.raises(PolicyError) as caught:
        from_data(edited(**off), "good")
    assert caught.value.problems[0][0] == "formal_notice.enabled"
    nothing = edited(
        **{f"{s['key']}__enabled": False for s in to_data(POLICIES["good"])["steps"]}
    )
    with pytest.raises(PolicyError, match="at least one step"):
        from_data(nothing, "good")


def test_only_written_reminders_may_change_channel():
    assert channels("reminder_1") == (
        Channel.EMAIL,
        Channel.SMS,
        Channel.WHATSAPP,
        Channel.PHONE,
    )
    assert channels("formal_notice") == (Channel.LETTER,)
    assert channels("call") == (Channel.PHONE,)
