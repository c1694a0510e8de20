"""`relance user create`: every password it sets passes Django's validators (12
characters at least), and an existing user's password is set or left, and said
so, never silently ignored."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError

from relance.timeline.models import Event
from relance.web.management.commands.demo import LOGIN
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another horse staple"


def user_create(*args):
    out = StringIO()
    call_command("user", "create", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "password, reason",
    [
        ("12345678", "at least 12 characters"),
        ("12345678901234", "entirely numeric"),
        ("password1234", "too common"),
        ("dora@acme.example", "too similar"),
        ("short pass", "at least 12 characters"),
    ],
)
def test_a_weak_password_is_refused_and_nobody_is_created(acme, password, reason):
    with pytest.raises(CommandError, match=reason):
        user_create("dora@acme.example", "--org", "acme", "--role", "admin",
                    "--password", password)  # fmt: skip
    assert not get_user_model().objects.filter(username="dora@acme.example").exists()


def test_a_new_user_needs_a_password(acme):
    with pytest.raises(CommandError, match="new user"):
        user_create("dora@acme.example", "--org", "acme", "--role", "admin")


def test_an_existing_users_password_is_changed_and_said_so(acme, alice):
    out = user_create(
        "Alice@acme.example", "--org", "acme", "--role", "collector",
        "--password", NEW_PASSWORD,
    )  # fmt: skip
    assert "already exists: password changed" in out
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD) and not alice.check_password(PASSWORD)
    assert Event.objects.filter(
        org=acme, kind="member.password_changed", data__email=alice.email
    ).exists()


def test_a_weak_password_for_an_existing_user_leaves_theirs(acme, alice):
    with pytest.raises(CommandError, match="at least 12 characters"):
        user_create(alice.email, "--org", "acme", "--role", "admin",
                    "--password", "abc12345")  # fmt: skip
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_without_a_password_an_existing_user_keeps_theirs_and_is_told(other, alice):
    out = user_create(alice.email, "--org", "other", "--role", "read_only")
    assert "already exists: password unchanged, read_only of other" in out
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_the_demo_and_the_test_logins_pass_the_validators():
    User = get_user_model()
    validate_password(LOGIN[1], User(username=LOGIN[0], email=LOGIN[0]))
    for email in ("alice@acme.example", "collector@acme.example"):
        validate_password(PASSWORD, User(username=email, email=email))
