"""Issuing and checking API tokens. The secret is shown once; the database keeps
its SHA-256, which is enough for a random 256-bit key."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from relance.orgs.models import Membership

from .models import ApiToken

PREFIX = "rl_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(membership: Membership, name: str) -> tuple[ApiToken, str]:
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        membership=membership,
        name=name[:100],
        prefix=secret[:10],
        digest=_digest(secret),
    )
    return token, secret


def holder(secret: str) -> ApiToken | None:
    """The live token with this secret, with its membership and organisation."""
    if not secret.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("membership__org", "membership__user")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.membership.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
