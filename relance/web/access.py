"""Who may see what: every view goes through `member_required`, and every query
is filtered by `request.org`, so another organisation's rows answer 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from relance.orgs.models import SENDERS, Role

__all__ = ["NOTE_ROLES", "SENDERS", "member_required"]
# Who may write a note on a customer's timeline: sales comment on their own.
NOTE_ROLES = (*SENDERS, Role.SALES)


def member_required(*roles):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.membership is None:
                raise PermissionDenied("You are not a member of any organisation.")
            if roles and request.membership.role not in roles:
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
