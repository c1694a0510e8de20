"""Login throttling with django-axes: how an attempt names its account, and the
page a locked-out login gets."""

from django.conf import settings
from django.shortcuts import render


def login_username(request, credentials: dict | None) -> str:
    """The email as accounts are kept (lower case, no spaces): 'Alice@X' and
    'alice@x ' count against the same account instead of each getting five tries."""
    if credentials is not None:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "POST", {}).get("username")
    return (typed or "").strip().lower()


def client_address(request) -> str | None:
    """The address a login comes from. Behind a proxy (RELANCE_BEHIND_PROXY) every
    request comes from the proxy: the client is the last address of
    X-Forwarded-For, the one the proxy added (earlier ones are the client's say)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.RELANCE_BEHIND_PROXY and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR")


def locked_out(request, original_response=None, credentials=None):
    """A page in relance's look and the user's language, not axes' bare text."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
