"""The firm's pages: the portfolio of its clients and one list of what waits
for approval across them. Each figure and each action is read through the
member's own membership of that client, as the client's pages would."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.dunning import approvals as approving

from . import services


@login_required
def portfolio(request):
    rows = services.portfolio(request.user)
    if not rows:
        raise Http404("no client of a firm")
    return render(
        request,
        "firms/portfolio.html",
        {"rows": rows, "waiting": services.approvals(request.user)},
    )


@require_POST
@login_required
def approve(request, pk):
    found = services.approvable(request.user, pk)
    if found is None:
        raise Http404("no such action awaiting your approval")
    member, action = found
    try:
        approving.approve(action, actor=request.user.get_username())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Approved for %(client)s: %(customer)s.")
            % {"client": member.org.name, "customer": action.customer.name},
        )
    return redirect("firm_portfolio")
