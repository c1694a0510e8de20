"""Django validators over the pure identifier checks of relance.core."""

from django.core.exceptions import ValidationError

from relance.core import identifiers


def _run(check, value: str) -> None:
    if not value:
        return
    try:
        check(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def validate_siren(value: str) -> None:
    _run(identifiers.validate_siren, value)


def validate_siret(value: str) -> None:
    _run(identifiers.validate_siret, value)


def validate_vat(value: str) -> None:
    _run(identifiers.validate_vat, value)


def validate_iban(value: str) -> None:
    _run(identifiers.validate_iban, value)
