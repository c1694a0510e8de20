"""How many SMS a text costs: the GSM alphabet packs 160 characters (153 per
part beyond one), anything else switches the text to UCS-2 (70, then 67)."""

import pytest

from relance.core.sms import sms_parts


@pytest.mark.parametrize(
    "text, parts",
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("é" * 160, 1),  # é is in the GSM alphabet
        ("€" * 80, 1),  # € is an extension character: two septets
        ("€" * 81, 2),
        ("ê" * 70, 1),  # ê is not: UCS-2
        ("ê" * 71, 2),
        ("ê" + "a" * 133, 2),
        ("ê" + "a" * 134, 3),
        ("", 1),
    ],
)
def test_parts(text, parts):
    assert sms_parts(text) == parts
