"""The firm's side: bringing clients and staff in, and the portfolio, each
client's figures as that staff member may see them in that client. A client
the member holds no membership of is not in their portfolio at all."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from relance.dunning.models import Action, ActionStatus
from relance.dunning.snapshot import _bank_data_stale
from relance.ledger.indicators import days_sales_outstanding
from relance.ledger.queries import aging_totals
from relance.ledger.visibility import visible
from relance.legal.services import rate_table
from relance.orgs.models import Membership, Role, org_today
from relance.timeline.services import record

from .models import Client, Firm, Staff


@transaction.atomic
def add_client(firm: Firm, org, *, on_behalf: bool = True, actor: str) -> Client:
    if Client.objects.filter(org=org).exclude(firm=firm).exists():
        raise ValidationError(f"{org.slug} is already another firm's client")
    client, _ = Client.objects.update_or_create(
        org=org, defaults={"firm": firm, "on_behalf": on_behalf}
    )
    record(
        org,
        "firm.client",
        actor=actor,
        data={"firm": firm.slug, "on_behalf": on_behalf},
    )
    return client


@transaction.atomic
def add_staff(firm: Firm, user, org, role: str, *, actor: str) -> Membership:
    """The firm's staff member given a role in one of its clients."""
    if not Client.objects.filter(firm=firm, org=org).exists():
        raise ValidationError(f"{org.slug} is not a client of {firm.slug}")
    if role not in Role.values:
        raise ValidationError(f"role must be one of {', '.join(Role.values)}")
    Staff.objects.get_or_create(firm=firm, user=user)
    membership, _ = Membership.objects.update_or_create(
        user=user, org=org, defaults={"role": role}
    )
    record(
        org,
        "firm.staff",
        actor=actor,
        data={"firm": firm.slug, "user": user.get_username(), "role": role},
    )
    return membership


def onboard(
    firm: Firm,
    user,
    *,
    slug: str,
    name: str,
    role: str = Role.ADMIN,
    siren: str = "",
    fec: tuple[str, bytes] | None = None,
    bank: tuple[str, bytes] | None = None,
    actor: str,
) -> dict:
    """A new client in one step: its organisation, the firm's staff member's
    role in it, its ledger from its FEC and its payments from a bank statement
    (each import says what it took and refused, as on its own)."""
    from relance.ledger.bank import import_bank
    from relance.ledger.services import import_invoices
    from relance.orgs.services import create_organisation

    with transaction.atomic():
        org = create_organisation(slug, name, siren=siren)
        add_client(firm, org, actor=actor)
        add_staff(firm, user, org, role, actor=actor)
    result: dict = {"org": org.slug}
    if fec:
        imported = import_invoices(org, fec[1], fec[0], actor)
        result["invoices"] = {
            "imported": imported["imported"],
            "rejected": len(imported["rejected"]),
        }
    if bank:
        lines = import_bank(org, bank[1], bank[0], actor)
        result["bank"] = {
            k: lines.get(k) for k in ("lines", "matched", "to_review", "unmatched")
        }
    return result


def memberships_in_clients(user) -> list[Membership]:
    """The user's memberships of the clients of the firms they work for."""
    firms = Staff.objects.filter(user=user).values("firm")
    return list(
        Membership.objects.filter(user=user, org__firm_client__firm__in=firms)
        .select_related("org", "org__firm_client")
        .order_by("org__name")
    )


@dataclass(frozen=True)
class ClientFigures:
    org: object
    role: str
    role_label: str
    overdue: Decimal
    overdue_count: int
    aging: list[tuple[str, str]]
    dso: int | None
    to_approve: int
    todo: int
    problems: list[str]


def portfolio(user) -> list[ClientFigures]:
    rows = []
    for member in memberships_in_clients(user):
        org = member.org
        today = org_today(org)
        totals = aging_totals(org, today, membership=member)
        receivables = Decimal(totals["upcoming"]["amount"]) + Decimal(
            totals["overdue"]["amount"]
        )
        actions = visible(Action.objects.filter(org=org), member)
        problems = []
        if _bank_data_stale(org, today):
            problems.append("bank_stale")
        if rate_table().missing_for(today):
            problems.append("rates_missing")
        if not org.iban:
            problems.append("no_iban")
        rows.append(
            ClientFigures(
                org=org,
                role=member.role,
                role_label=str(member.get_role_display()),
                overdue=Decimal(totals["overdue"]["amount"]),
                overdue_count=totals["overdue"]["count"],
                aging=[(k, v["amount"]) for k, v in totals["aging"].items()],
                dso=days_sales_outstanding(org, today, receivables, membership=member),
                to_approve=actions.filter(status=ActionStatus.APPROVAL).count(),
                todo=actions.filter(status=ActionStatus.TODO).count(),
                problems=problems,
            )
        )
    return rows


def approvals(user) -> list[tuple[Membership, Action]]:
    """Every action waiting for approval in the clients where the user may send."""
    found = []
    for member in memberships_in_clients(user):
        if not member.can_send:
            continue
        waiting = visible(
            Action.objects.filter(org=member.org, status=ActionStatus.APPROVAL),
            member,
        ).select_related("customer")
        found += [(member, action) for action in waiting.order_by("run_date", "pk")]
    return found


def approvable(user, action_id: int) -> tuple[Membership, Action] | None:
    """The action if the user may approve it, in whichever of their clients."""
    for member in memberships_in_clients(user):
        if not member.can_send:
            continue
        waiting = Action.objects.filter(
            org=member.org, pk=action_id, status=ActionStatus.APPROVAL
        ).select_related("org")
        action = visible(waiting, member).first()
        if action is not None:
            return member, action
    return None


def firm_named(slug: str) -> Firm:
    try:
        return Firm.objects.get(slug=slug)
    except Firm.DoesNotExist:
        raise ValidationError(f"no firm with slug {slug!r}") from None
