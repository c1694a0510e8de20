"""The people relance writes to or calls at a customer: added or corrected by a
person (the invoice import only brings email addresses). Mobile numbers are
checked here, once, so that the outbox only ever holds numbers a text reaches."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from relance.core.identifiers import validate_mobile
from relance.timeline.services import record

from .models import Contact, ContactRole, Customer

FIELDS = ("name", "email", "phone", "mobile", "role")


def _clean(org, values: dict) -> dict:
    out = {k: (v or "").strip() for k, v in values.items() if v is not None}
    if out.get("email"):
        try:
            validate_email(out["email"])
        except ValidationError:
            raise ValidationError(f"invalid email address {out['email']!r}") from None
    if out.get("mobile"):
        try:
            out["mobile"] = validate_mobile(out["mobile"], org.country)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
    if "role" in out and out["role"] not in ContactRole.values:
        raise ValidationError(
            f"role must be one of {', '.join(ContactRole.values)}, got {out['role']!r}"
        )
    return out


@transaction.atomic
def add_contact(org, customer: Customer, *, actor: str, **values) -> Contact:
    """A new contact; at least an email address, a phone or a mobile number."""
    if customer.org_id != org.pk:
        raise ValidationError("the customer belongs to another organisation")
    clean = _clean(org, values)
    if not any(clean.get(k) for k in ("email", "phone", "mobile")):
        raise ValidationError("a contact needs an email address, a phone or a mobile")
    contact = Contact.objects.create(org=org, customer=customer, **clean)
    record(
        org,
        "contact.added",
        actor=actor,
        customer_id=customer.pk,
        data={"contact": contact.pk, **clean},
    )
    return contact


@transaction.atomic
def update_contact(contact: Contact, *, actor: str, **values) -> Contact:
    """Change the given fields; a corrected email address is no longer failing."""
    clean = _clean(contact.org, values)
    for key, value in clean.items():
        setattr(contact, key, value)
    if "email" in clean:
        contact.email_failing, contact.email_failing_since = "", None
    contact.save()
    record(
        contact.org,
        "contact.updated",
        actor=actor,
        customer_id=contact.customer_id,
        data={"contact": contact.pk, **clean},
    )
    return contact
