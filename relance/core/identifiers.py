"""French and European business identifiers, validated with python-stdnum, and
mobile numbers, with phonenumbers.

Each function returns the compact form or raises ValueError with a message a
user can act on.
"""

from __future__ import annotations

import re

import phonenumbers
from stdnum import iban as _iban
from stdnum.eu import vat as _vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as _siren
from stdnum.fr import siret as _siret


def _check(module, value: str, label: str) -> str:
    try:
        return module.validate(value)
    except ValidationError as exc:
        raise ValueError(f"invalid {label} {value!r}: {exc.message}") from None


def validate_siren(value: str) -> str:
    return _check(_siren, value, "SIREN")


def validate_siret(value: str) -> str:
    return _check(_siret, value, "SIRET")


def validate_vat(value: str) -> str:
    return _check(_vat, value, "VAT number")


def validate_iban(value: str) -> str:
    return _check(_iban, value, "IBAN")


def format_iban(value: str) -> str:
    return _iban.format(value)


def siren_from_vat(value: str) -> str | None:
    """The nine digits after a French VAT number's key (FRkk + SIREN), if it is
    one; None for any other, a foreign one (GB, CH, NO, US) as a malformed one:
    a buyer's VAT number is a fact about them, never a reason to refuse."""
    compact = re.sub(r"[\s.\-]", "", value).upper()
    if re.fullmatch(r"FR[0-9A-Z]{2}\d{9}", compact):
        return compact[4:]
    return None


def checked_siren(value: str) -> str | None:
    """The SIREN if `value` is a valid one, else None (the caller flags it)."""
    try:
        return _siren.validate(value)
    except ValidationError:
        return None


# Numbers that can take a text message.
_TEXTABLE = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def validate_mobile(value: str, region: str = "FR") -> str:
    """A mobile number in E.164 (+33612345678); national numbers are read as
    `region`'s. A landline or an impossible number is refused: no text would
    reach it."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"invalid mobile number {value!r}: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"invalid mobile number {value!r}: no such number")
    if phonenumbers.number_type(number) not in _TEXTABLE:
        raise ValueError(f"{value!r} is not a mobile number: it cannot take texts")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
