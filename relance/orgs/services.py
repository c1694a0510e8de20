"""Creating organisations and their users."""

from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from relance.timeline import checkpoints
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
    # A signed checkpoint from the first event: without it, someone with the
    # database could rewrite the whole chain in the unkeyed scheme until the
    # first daily run's checkpoint.
    transaction.on_commit(partial(checkpoints.write, org))
    return org


def find_user(email: str):
    """The user with this email, whatever its case, or None."""
    return get_user_model().objects.filter(username__iexact=email.strip()).first()


@transaction.atomic
def create_user(email: str, org: Organisation, role: str, password: str | None):
    """Give the user a role in the organisation, creating them if needed. A
    password given for an existing user replaces theirs, checked as a new one."""
    if role not in Role.values:
        raise ValidationError(
            f"role must be one of {', '.join(Role.values)}, got {role!r}"
        )
    user = find_user(email)
    new = user is None
    if new:
        if not password:
            raise ValidationError(f"{email} is a new user: give them a password")
        email = email.strip().lower()
        user = get_user_model()(username=email, email=email)
    if password:
        validate_password(password, user)
        user.set_password(password)
        if new:
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
    if password and not new:
        record(org, "member.password_changed", actor="cli", data={"email": user.email})
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
