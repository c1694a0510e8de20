"""A letter body in an organisation's words: its paragraphs, and the fixed
parts it must place (no Django, plain text in)."""

import pytest

from relance.formats.letters_pdf import LetterWordingError, letter_blocks

BODY = (
    "Madame,\n\n[[invoices]]\n\n[[statement]]\n\n[[demand]]\n\nCordialement,\nLa compta"
)


def test_paragraphs_split_on_blank_lines_and_keep_their_line_breaks():
    assert letter_blocks(BODY + "\n\n \n\n") == (
        "Madame,",
        "[[invoices]]",
        "[[statement]]",
        "[[demand]]",
        "Cordialement,\nLa compta",
    )


def test_markers_may_have_spaces_inside_and_windows_line_ends():
    body = "[[ invoices ]]\r\n\r\n[[statement]]\r\n\r\n[[demand ]]\r\n\r\n[[payment]]"
    assert letter_blocks(body) == (
        "[[invoices]]",
        "[[statement]]",
        "[[demand]]",
        "[[payment]]",
    )


@pytest.mark.parametrize(
    "body, problem",
    [
        ("Madame,\n\n[[invoices]]\n\n[[statement]]", "must contain [[demand]]"),
        ("Bonjour", "must contain [[invoices]], [[statement]], [[demand]]"),
        (BODY + "\n\n[[demand]]", "[[demand]] appears more than once"),
        (BODY + "\n\n[[iban]]", "[[iban]] is not a part"),
        (
            BODY.replace("[[demand]]", "Payez : [[demand]]"),
            "[[demand]] must stand alone",
        ),
        (
            BODY.replace("[[invoices]]\n\n[[statement]]", "[[invoices]][[statement]]"),
            "[[invoices]] must stand alone",
        ),
    ],
)
def test_a_body_that_would_lose_a_fixed_part_is_refused_with_the_reason(body, problem):
    with pytest.raises(LetterWordingError) as caught:
        letter_blocks(body)
    assert problem in str(caught.value)


def test_text_that_only_looks_like_a_marker_stays_text():
    body = BODY.replace("Madame,", "Dossier [[suivi")
    assert letter_blocks(body)[0] == "Dossier [[suivi"
