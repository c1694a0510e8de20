"""The demo's accounting firm and lifecycle statuses: the demo organisation is
one of three clients of a firm its login works for, and a few of its invoices
have heard back from the buyers' e-invoicing platforms."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from relance.dunning.services import run_dunning
from relance.einvoicing.services import apply_status
from relance.formats.cdar import Status
from relance.ledger.queries import open_invoices
from relance.ledger.services import import_invoices
from relance.orgs.models import Organisation
from relance.orgs.services import create_organisation, delete_organisation

from . import services
from .models import Firm

FIRM = ("cabinet-martin", "Cabinet Martin Expertise")
CLIENTS = (
    ("demo-boulangerie", "Boulangerie Fournier SARL", "collector"),
    ("demo-garage", "Garage du Centre SAS", "read_only"),
)
# (status, reason) for the demo's oldest overdue invoices, one each.
STATUSES = (
    ("207", "Quantités livrées inférieures à la commande"),
    ("210", "Bon de commande absent"),
    ("205", ""),
    ("211", ""),
    ("208", "En attente du numéro d'engagement"),
)


def build(org, login: str, today) -> dict:
    """The firm and its two other clients (rebuilt each time), and the statuses."""
    user = get_user_model().objects.get(username=login)
    Firm.objects.filter(slug=FIRM[0]).delete()
    for old in Organisation.objects.filter(slug__in=[c[0] for c in CLIENTS]):
        delete_organisation(old)
    firm = Firm.objects.create(slug=FIRM[0], name=FIRM[1])
    services.add_client(firm, org, actor="demo")
    services.add_staff(firm, user, org, "admin", actor="demo")
    for n, (slug, name, role) in enumerate(CLIENTS, start=1):
        client = create_organisation(
            slug, name, sender_email=f"compta@{slug}.example", iban=org.iban
        )
        services.add_client(firm, client, actor="demo")
        services.add_staff(firm, user, client, role, actor="demo")
        import_invoices(client, _ledger(n, today), f"{slug}.csv", "demo", today=today)
        run_dunning(client, today, actor="demo")
    return {
        "firm": firm.slug,
        "clients": [org.slug, *(c[0] for c in CLIENTS)],
        "statuses": _statuses(org, today),
    }


def _ledger(n: int, today) -> bytes:
    rows = ["numero;ref_client;client;email;date;echeance;montant_ttc"]
    for i in range(1, 7):
        due = today - timedelta(days=10 * i - 25)
        issued = due - timedelta(days=30)
        rows.append(
            f"F{n}-{i:03d};C{i};Client {i} de la démo {n};compta{i}@client.example;"
            f"{issued:%d/%m/%Y};{due:%d/%m/%Y};{150 * i * n},00"
        )
    return "\n".join(rows).encode()


def _statuses(org, today) -> list[dict]:
    invoices = open_invoices(org).filter(due_date__lt=today).order_by("due_date")
    at = datetime.combine(today, time(9), tzinfo=ZoneInfo(org.timezone))
    applied = []
    for n, (invoice, (code, reason)) in enumerate(
        zip(invoices[: len(STATUSES)], STATUSES, strict=False)
    ):
        status = Status(
            message_id=f"PA-DEMO-{n + 1:03d}",
            issued_at=at - timedelta(hours=len(STATUSES) - n),
            invoice_number=invoice.number,
            invoice_date=invoice.issue_date,
            seller_id=org.siren,
            code=code,
            reason=reason,
        )
        outcome, detail = apply_status(org, status, actor="platform")
        applied.append({**detail, "outcome": outcome})
    return applied
