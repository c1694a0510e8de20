"""Django validator over the contractual-rate reading of relance.core."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from relance.core.penalties import ContractRate


def validate_contract_rate(value: str) -> None:
    try:
        ContractRate.parse(value)
    except ValueError:
        raise ValidationError(
            _(
                "A contractual penalty rate is a percent (12,5) or a multiple of "
                "the legal interest rate (3x)."
            )
        ) from None
