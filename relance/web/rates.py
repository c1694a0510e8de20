"""The administrator's page for the rate tables behind every penalty: what is
known, with its source, what the ECB's data portal brought and waits for a
person, and a form to add a half-year's rate as `relance rates` does."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from relance.core.rates import B2B_MARGIN, semester_label, semester_start
from relance.legal.services import (
    add_ecb_rate,
    add_legal_rate,
    confirm_ecb_until,
    confirm_fetched,
    pending_rates,
    rate_table,
)
from relance.orgs.models import Role, org_today

from . import params
from .access import member_required

RECENT_ECB_ROWS = 8


def _rate(post, name: str) -> Decimal:
    try:
        value = Decimal(post.get(name, "").strip().replace(",", "."))
    except InvalidOperation:
        raise BadRequest(f"{name} is not a rate in percent") from None
    if not value.is_finite():
        raise BadRequest(f"{name} is not a rate in percent")
    return value


def _required_day(post, name: str, today: date) -> date:
    if not post.get(name, "").strip():
        raise BadRequest(f"{name} is required")
    return params.day(post, name, today, today)


def _apply(request, today: date) -> None:
    post, actor = request.POST, request.user.email
    action = post.get("action")
    if action == "ecb":
        add_ecb_rate(
            _required_day(post, "effective", today),
            _rate(post, "rate"),
            post.get("source", ""),
            actor,
        )
    elif action == "confirm_ecb":
        confirm_ecb_until(
            _required_day(post, "until", today), post.get("source", ""), actor
        )
    elif action == "legal":
        add_legal_rate(
            _required_day(post, "start", today),
            _rate(post, "individual"),
            _rate(post, "other"),
            post.get("source", ""),
            actor,
        )
    elif action == "confirm_fetched":
        confirm_fetched(params.positive_id(post, "id"), actor)
    else:
        raise BadRequest("unknown action")


@member_required(Role.ADMIN)
def rate_list(request):
    today = org_today(request.org)
    if request.method == "POST":
        try:
            _apply(request, today)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("Rate recorded."))
            return redirect("rates")
    table = rate_table()
    half_years = []
    for row in table.legal:
        if row.start.year < 2015:
            continue
        try:
            b2b = table.ecb_on(semester_start(row.start)).rate + B2B_MARGIN
        except LookupError:
            b2b = None
        half_years.append({"label": semester_label(row.start), "b2b": b2b, "row": row})
    return render(
        request,
        "web/rates.html",
        {
            "today": today,
            "table": table,
            "ecb_rows": table.ecb[-RECENT_ECB_ROWS:],
            "half_years": half_years[::-1],
            "pending": pending_rates(),
            "missing": table.missing_for(today),
            "half_year": semester_label(today),
        },
    )
