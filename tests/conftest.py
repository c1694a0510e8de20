"""Shared fixtures. Personas: alice (admin of Acme), bob (admin of Other Co),
charlie (read-only at Acme)."""

import pytest

PASSWORD = "correct horse battery"


@pytest.fixture
def acme(db):
    from relance.orgs.services import create_organisation

    return create_organisation(
        "acme",
        "Acme Conseil SAS",
        siren="732829320",
        iban="FR7630006000011234567890189",
        sender_email="compta@acme.example",
    )


@pytest.fixture
def other(db):
    from relance.orgs.services import create_organisation

    return create_organisation(
        "other", "Other Co", sender_email="billing@other.example"
    )


@pytest.fixture
def alice(acme):
    from relance.orgs.services import create_user

    return create_user("alice@acme.example", acme, "admin", PASSWORD)


@pytest.fixture
def charlie(acme):
    from relance.orgs.services import create_user

    return create_user("charlie@acme.example", acme, "read_only", PASSWORD)


@pytest.fixture
def bob(other):
    from relance.orgs.services import create_user

    return create_user("bob@other.example", other, "admin", PASSWORD)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_report_header(config):
    import os

    return f"database: {'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}"
