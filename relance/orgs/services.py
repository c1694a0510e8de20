"""Creating organisations and their users."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from relance.timeline.services import record

from .models import Membership, Organisation, Role


@transaction.atomic
def create_organisation(slug: str, name: str, **fields) -> Organisation:
    if Organisation.objects.filter(slug=slug).exists():
        raise ValidationError(f"an organisation with slug {slug!r} already exists")
    org = Organisation(slug=slug, name=name, **fields)
    org.full_clean()
    org.save()
    record(org, "org.created", actor="cli", data={"name": name, "siren": org.siren})
    return org


@transaction.atomic
def create_user(email: str, org: Organisation, role: str, password: str):
    """Create the user if needed and give them a role in the organisation."""
    if role not in Role.values:
        raise ValidationError(
            f"role must be one of {', '.join(Role.values)}, got {role!r}"
        )
    User = get_user_model()
    user = User.objects.filter(username__iexact=email).first()
    if user is None:
        user = User(username=email.lower(), email=email.lower())
        validate_password(password, user)
        user.set_password(password)
        user.full_clean()
        user.save()
    _, created = Membership.objects.update_or_create(
        user=user, org=org, defaults={"role": role}
    )
    record(
        org,
        "member.added" if created else "member.role_changed",
        actor="cli",
        data={"email": user.email, "role": role},
    )
    return user


@transaction.atomic
def update_organisation(org: Organisation, changes: dict, actor: str) -> Organisation:
    """Validate and save settings, and say on the timeline what changed."""
    for field, value in changes.items():
        if field in ("siren", "iban"):
            value = value.replace(" ", "")
        setattr(org, field, value)
    org.full_clean()
    org.save()
    record(
        org, "org.updated", actor=actor, data={k: str(v) for k, v in changes.items()}
    )
    return org


def organisation_by_slug(slug: str) -> Organisation:
    try:
        return Organisation.objects.get(slug=slug)
    except Organisation.DoesNotExist:
        raise ValidationError(f"no organisation with slug {slug!r}") from None


@transaction.atomic
def delete_organisation(org: Organisation) -> None:
    """Delete an organisation and everything it owns, children first (customers
    and invoices are PROTECTed so nothing else can delete them by accident)."""
    from relance.comms.models import OutboundMessage
    from relance.dunning.models import Action
    from relance.ledger.models import (
        Allocation,
        Contact,
        Customer,
        ImportBatch,
        Invoice,
        Payment,
    )
    from relance.timeline.models import Event

    for qs in (
        OutboundMessage.objects.filter(org=org),
        Action.objects.filter(org=org),
        Allocation.objects.filter(payment__org=org),
        Payment.objects.filter(org=org),
        Invoice.objects.filter(org=org),
        Contact.objects.filter(org=org),
        Customer.objects.filter(org=org),
        ImportBatch.objects.filter(org=org),
        Event.objects.filter(org=org),
    ):
        qs.delete()
    org.delete()
