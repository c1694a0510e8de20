import os

from django.db import connection


def test_the_suite_runs_on_the_database_it_was_asked_for(db):
    expected = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    assert connection.vendor == expected
