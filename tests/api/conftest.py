import pytest

from relance.api.tokens import issue
from relance.orgs.models import Membership


@pytest.fixture
def token_for():
    """A bearer header for a user's membership of an organisation."""

    def make(user, org):
        _, secret = issue(Membership.objects.get(user=user, org=org), "tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return make
