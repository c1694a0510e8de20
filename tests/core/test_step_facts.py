"""What a step is (written, attaches invoices, carries the statement, counts as
a reminder, re-checked, legal weight) is a field of core's Step, the same in
every policy, including one edited in the policy editor."""

from relance.core.policy import (
    DEFAULT_POLICY,
    KEY_ACCOUNT_POLICY,
    THANK_YOU,
    Channel,
    step_facts,
)
from relance.core.policy_config import from_data, to_data


def keys(**wanted):
    return {
        s.key
        for s in DEFAULT_POLICY.steps
        if all(getattr(s, k) == v for k, v in wanted.items())
    }


def test_the_facts_of_the_shipped_steps():
    assert keys(attaches_invoices=True) == {
        "pre_reminder",
        "reminder_1",
        "reminder_2",
        "reminder_3",
    }
    assert keys(carries_statement=True, channel=Channel.EMAIL) == {"reminder_3"}
    assert keys(counts_as_reminder=True) == {
        "reminder_1",
        "reminder_2",
        "reminder_3",
        "registered_letter",
    }
    assert keys(legal_weight=True) == {"registered_letter", "formal_notice", "legal"}
    assert keys(written=True) == keys() - {"call", "legal"}
    assert not THANK_YOU.recheck and all(s.recheck for s in DEFAULT_POLICY.steps)


def test_a_policy_changes_a_steps_day_never_what_it_is():
    edited = from_data(to_data(KEY_ACCOUNT_POLICY), "mine")
    for step in edited.steps:
        facts = step_facts(step.key)
        assert (step.attaches_invoices, step.carries_statement) == (
            facts.attaches_invoices,
            facts.carries_statement,
        )
        assert step.counts_as_reminder == facts.counts_as_reminder
    assert step_facts("instalment_late#2").key == "instalment_late"
    assert step_facts("no_such_step") is None
