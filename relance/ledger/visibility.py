"""What a member may see: their organisation's rows, and for the sales role only
the customers they own (and those customers' invoices, payments, holds, actions
and events). The web app and the API filter through here."""

from __future__ import annotations

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
        owned = Customer.objects.filter(
            org=membership.org_id, account_owner=membership.user_id
        ).values("pk")
        qs = qs.filter(**{f"{customer}__in": owned})
    return qs
