"""Secrets the database must keep but not give away (an IMAP password): text
encrypted with Fernet under keys kept outside it (settings.FIELD_KEYS, from
RELANCE_FIELD_KEY or the data directory's `field_key`). A copy of the database
alone, a dump or a backup, does not reveal them."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(text: str) -> str:
    return _fernet(tuple(settings.FIELD_KEYS)).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(tuple(settings.FIELD_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "an encrypted value cannot be read with the keys of RELANCE_FIELD_KEY "
            "(or the data directory's field_key): give the key it was written with"
        ) from None


class EncryptedTextField(models.TextField):
    """Clear text in Python, a Fernet token in the database column."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)
