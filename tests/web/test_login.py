"""The login page under attack: django-axes locks an account out from the address
that guessed its password five times, in French and relance's look, while its
owner elsewhere, other accounts and API tokens keep working."""

import pytest
from django.core.management import call_command

from relance.api.tokens import issue
from relance.orgs.models import Membership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

GUESSER = "203.0.113.7"
OWNER = "198.51.100.20"


def log_in(client, username, password, address=GUESSER):
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def guess_five_times(client, username):
    for n in range(5):
        log_in(client, username, f"wrong guess number {n}")


def logged_in(response):
    return response.status_code == 302 and response.url == "/"


def test_five_wrong_passwords_lock_the_account_out_from_that_address(client, alice):
    """GIVEN five wrong passwords for alice from one address
    WHEN the right one comes from that address
    THEN it is refused with a French page saying why, and no session is opened."""
    guess_five_times(client, alice.username)
    page = log_in(client, alice.username, PASSWORD)
    assert page.status_code == 429
    text = page.content.decode()
    assert "Trop de tentatives" in text
    assert "5 mots de passe erronés" in text and "15 minutes" in text
    assert '<link rel="stylesheet"' in text  # relance's page, not a bare 403
    assert "_auth_user_id" not in client.session


def test_the_case_of_the_email_does_not_buy_more_guesses(client, alice):
    for variant in ("ALICE@acme.example", "Alice@Acme.example ", "alice@ACME.EXAMPLE"):
        log_in(client, variant, "wrong")
    log_in(client, alice.username, "wrong")
    log_in(client, alice.username.upper(), "wrong")
    assert log_in(client, alice.username, PASSWORD).status_code == 429


def test_the_owner_elsewhere_and_other_accounts_still_log_in(client, alice, charlie):
    guess_five_times(client, alice.username)
    assert logged_in(log_in(client, charlie.username, PASSWORD))
    client.logout()
    assert logged_in(log_in(client, alice.username, PASSWORD, address=OWNER))


def test_four_wrong_passwords_then_the_right_one_logs_in_and_starts_afresh(
    client, alice
):
    for n in range(4):
        log_in(client, alice.username, f"wrong {n}")
    assert logged_in(log_in(client, alice.username, PASSWORD))
    client.logout()
    for n in range(4):
        log_in(client, alice.username, f"wrong again {n}")
    assert logged_in(log_in(client, alice.username, PASSWORD))


def test_a_failed_login_keeps_the_email_typed(client, alice):
    page = log_in(client, alice.username, "not the password")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Courriel ou mot de passe incorrect." in text
    assert f'value="{alice.username}"' in text


def test_api_tokens_keep_working_for_a_locked_out_account(client, alice, acme):
    _, token = issue(Membership.objects.get(user=alice, org=acme), "erp")
    guess_five_times(client, alice.username)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "REMOTE_ADDR": GUESSER}
    assert client.get("/api/customers", **auth).status_code == 200


def test_an_administrator_lifts_a_lockout_with_axes_reset(client, alice):
    guess_five_times(client, alice.username)
    call_command("axes_reset_username", alice.username)
    assert logged_in(log_in(client, alice.username, PASSWORD))


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, alice, settings):
    """GIVEN relance behind a proxy (every request from 127.0.0.1)
    THEN a guesser is locked out by the address the proxy added to
    X-Forwarded-For, whatever they put before it, and the owner elsewhere is not."""
    settings.RELANCE_BEHIND_PROXY = True

    def via_proxy(password, forwarded):
        return client.post(
            "/login/",
            {"username": alice.username, "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for n in range(5):
        via_proxy(f"wrong {n}", f"10.0.0.{n}, {GUESSER}")
    assert via_proxy(PASSWORD, GUESSER).status_code == 429
    assert logged_in(via_proxy(PASSWORD, OWNER))
