"""Which organisation the signed-in user is working in. Every view reads
`request.org` and `request.membership`; they are None when the user has no
membership, and views then refuse."""

from .models import Membership

SESSION_KEY = "relance_org_id"


class CurrentOrganisationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.org = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = list(
                Membership.objects.filter(user=user)
                .select_related("org")
                .order_by("created_at", "pk")  # the first joined is the default
            )
            chosen = request.session.get(SESSION_KEY)
            current = next((m for m in memberships if m.org_id == chosen), None)
            current = current or (memberships[0] if memberships else None)
            if current:
                request.org = current.org
                request.membership = current
            request.memberships = memberships
        return self.get_response(request)


def organisation_context(request):
    return {
        "current_org": getattr(request, "org", None),
        "current_membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
    }
