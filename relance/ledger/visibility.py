"""What a member may see: their organisation's rows, and for the sales role only
the customers they own (and those customers' invoices, payments, holds, actions
and events). The web app and the API filter through here."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from relance.orgs.models import Membership, Role

from .models import Customer


def visible(
    qs: QuerySet, membership: Membership, customer: str = "customer"
) -> QuerySet:
    """`qs` narrowed to what the member may see; `customer` names the path to
    the customer's id on the rows (`pk` for customers themselves)."""
    qs = qs.filter(org=membership.org_id)
    if membership.role == Role.SALES:
        qs = qs.filter(**{f"{customer}__in": _owned(membership).values("pk")})
    return qs


def scope_key(membership: Membership | None) -> str:
    """Names what the member sees, for figures kept in the cache: the whole
    organisation, or exactly the customers a sales member owns now (a customer
    given to someone else makes a new key)."""
    if membership is None or membership.role != Role.SALES:
        return "all"
    ids = ",".join(str(pk) for pk in _owned(membership).values_list("pk", flat=True))
    return "owned:" + hashlib.sha256(ids.encode()).hexdigest()[:16]


def _owned(membership: Membership) -> QuerySet:
    return Customer.objects.filter(
        org=membership.org_id, account_owner=membership.user_id
    ).order_by("pk")
