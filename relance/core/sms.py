"""How many SMS a text takes: 160 characters of the GSM 03.38 alphabet fit in
one, 153 in each part of a longer one (the extension characters, such as €,
count twice); any other character switches the whole text to UCS-2, 70 and 67.
"""

from __future__ import annotations

import math

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)


def sms_parts(text: str) -> int:
    try:
        units, single, multi = len(text.encode("gsm03.38")), 160, 153
    except UnicodeEncodeError:
        units, single, multi = len(text.encode("utf-16-be")) // 2, 70, 67
    if units <= single:
        return 1
    return math.ceil(units / multi)
