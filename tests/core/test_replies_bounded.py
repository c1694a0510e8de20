"""Reading a reply is bounded work: whoever can email the reply address chooses
the text, so every reading function must stay linear in it (no pattern that
backtracks over a long run) and read no more than MAX_TEXT of it."""

import time
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance.core import replies
from relance.core.replies import (
    MAX_TEXT,
    classify,
    find_amount,
    find_dates,
    normalise,
    own_words,
    parse_number,
)

TODAY = date(2026, 11, 23)
SIZE = 100_000
ADVERSARIAL = {
    "digits": "1" * SIZE,
    "spaces and digits": "1 " * (SIZE // 2),
    "a million, repeated": "1 000 000 " * (SIZE // 10),
    "separators": "1,.- /" * (SIZE // 6),
    "letters and digits": "a1 b2,c3." * (SIZE // 9),
    "paid, then no already": "paid " * (SIZE // 5),
    "attachment, then nothing missing": "attachment " * (SIZE // 11),
    "long line": "virement " + "x" * SIZE,
    "many lines": "le 12\n" * (SIZE // 6),
    "quoted lines": "> 1 000 €\n" * (SIZE // 10),
    "euro signs": "€ 1 " * (SIZE // 4),
    "digits then euros": "1" * (SIZE // 2) + " " * (SIZE // 2 - 1) + "€",
    "weekdays and spaces": "lundi" + " " * SIZE,
    "dates": "le 12 janvier 2027, " * (SIZE // 20),
    "no-break spaces": "1\u202f000\u00a0" * (SIZE // 6),
    "combining accents": "e\u0301" * (SIZE // 2),
    "characters NFKD makes 18 of": "\ufdfa" * SIZE,
    "characters NFKD makes 3 of": "\u2474" * SIZE,
}
READERS = {
    "classify": lambda text: classify(text[:2000], text, TODAY),
    "own_words": own_words,
    "find_dates": lambda text: find_dates(text, TODAY),
    "find_amount": find_amount,
    "normalise": normalise,
    "parse_number": parse_number,
}


@pytest.mark.parametrize("reader", READERS, ids=str)
@pytest.mark.parametrize("name", ADVERSARIAL, ids=str)
def test_each_reader_finishes_within_a_second_on_100k_adversarial_characters(
    reader, name
):
    """GIVEN 100,000 characters built to make a pattern backtrack
    WHEN each reading function reads them
    THEN it returns in under a second."""
    started = time.perf_counter()
    READERS[reader](ADVERSARIAL[name])
    assert time.perf_counter() - started < 1.0


def test_every_pattern_is_linear_on_long_runs():
    """GIVEN every compiled pattern of the module and long runs of what its
    quantifiers repeat
    WHEN each is searched through 100,000 characters
    THEN none takes a second (an unbounded quantifier inside a search is
    quadratic on such runs)."""
    patterns = [
        value
        for value in vars(replies).values()
        if isinstance(value, type(replies.ISO))
    ]
    patterns += [p for rules in replies.RULES.values() for p, _ in rules]
    patterns += [p for p, _ in replies.RELATIVE]
    assert len(patterns) > 100
    for pattern in patterns:
        for text in ADVERSARIAL.values():
            started = time.perf_counter()
            for _ in pattern.finditer(text):
                pass
            elapsed = time.perf_counter() - started
            assert elapsed < 1.0, (pattern.pattern[:60], text[:20], elapsed)


def test_only_the_first_max_text_characters_are_read():
    """GIVEN a promise with its amount after MAX_TEXT characters of padding
    WHEN it is read
    THEN the amount beyond the bound is not read, the one before it is."""
    padding = "x " * (MAX_TEXT // 2)
    assert find_amount(padding + "1 200 €") is None
    assert find_amount("1 200 € " + padding) == 1200


def test_amounts_are_still_read_after_the_bounds():
    """The bounded amount pattern still reads French and English sums."""
    assert find_amount("virement de 12 345,67 € demain") == Decimal("12345.67")
    assert find_amount("we will pay EUR 1,234.50 on Friday") == Decimal("1234.50")
    assert find_amount("1 000 000 € d'ici la fin du mois") == 1_000_000
    assert find_amount("ref 123456789012345678901234567890 €") is None


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet="0123456789 ,.€-/\nelundijanv'", min_size=0, max_size=3000),
    st.integers(min_value=1, max_value=40),
)
def test_readers_stay_fast_on_repeated_random_fragments(fragment, times):
    """GIVEN any fragment of digits, separators, euro signs and date words,
    repeated up to 40 times (up to 120,000 characters)
    WHEN every reader reads it
    THEN each returns in under a second."""
    text = fragment * times
    for reader in READERS.values():
        started = time.perf_counter()
        reader(text)
        assert time.perf_counter() - started < 1.0
