"""Signed, expiring links to a customer's portal page. The link names the
organisation, the customer and the last day it works; the signature makes it
impossible to change any of them, so no account is needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "relance.portal"


@dataclass(frozen=True, slots=True)
class Access:
    org_id: int
    customer_id: int
    expires: date


class LinkInvalid(Exception):
    pass


def make_token(customer, today: date) -> str:
    expires = today + timedelta(days=customer.org.portal_link_days)
    return signing.dumps(
        {"o": customer.org_id, "c": customer.pk, "e": expires.isoformat()}, salt=SALT
    )


def portal_url(customer, today: date) -> str:
    path = reverse("portal", args=[make_token(customer, today)])
    return settings.RELANCE_PUBLIC_URL + path


def read_token(token: str) -> Access:
    """Who the link is for and until when; LinkInvalid if it was altered. The
    caller compares `expires` with the organisation's today."""
    try:
        data = signing.loads(token, salt=SALT)
        access = Access(int(data["o"]), int(data["c"]), date.fromisoformat(data["e"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid("this link is not valid") from None
    return access
