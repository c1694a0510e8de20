from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.ledger.contacts import FIELDS, add_contact, update_contact
from relance.ledger.models import Contact, ContactRole, Customer
from relance.output import emit, organisation_option


def _json(c: Contact) -> dict:
    row = {"id": c.pk, "customer": c.customer.ref}
    row.update({k: getattr(c, k) for k in FIELDS})
    row["email_failing"] = c.email_failing
    return row


class Command(BaseCommand):
    help = "A customer's contacts: list, add, or correct (email, phone, mobile)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list")
        listing.add_argument("--customer", required=True, help="customer reference")
        add = sub.add_parser("add")
        add.add_argument("--customer", required=True, help="customer reference")
        change = sub.add_parser("set")
        change.add_argument("id", type=int)
        for p in (add, change):
            p.add_argument("--name")
            p.add_argument("--email")
            p.add_argument("--phone", help="for calls, as written")
            p.add_argument(
                "--mobile", help="for SMS and WhatsApp; checked, kept as +33612345678"
            )
            p.add_argument("--role", choices=ContactRole.values)
        for p in (listing, add, change):
            p.add_argument("--org", required=True)
            p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **o):
        org = organisation_option(o["org"])
        values = {k: o[k] for k in FIELDS if o.get(k) is not None}
        try:
            if action == "set":
                contact = Contact.objects.filter(org=org, pk=o["id"]).first()
                if contact is None:
                    raise CommandError(f"no contact {o['id']} in {org.slug}")
                contact = update_contact(contact, actor="cli", **values)
                return emit(self, _json(contact), o["json"], f"contact {contact.pk}")
            customer = Customer.objects.filter(org=org, ref=o["customer"]).first()
            if customer is None:
                raise CommandError(f"no customer {o['customer']!r} in {org.slug}")
            if action == "add":
                contact = add_contact(org, customer, actor="cli", **values)
                return emit(self, _json(contact), o["json"], f"contact {contact.pk}")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        rows = [_json(c) for c in customer.contacts.all()]
        text = "\n".join(
            f"{r['id']:>6} {r['role']:<17} {r['email'] or '-'} {r['mobile'] or ''}"
            for r in rows
        )
        emit(self, rows, o["json"], text or "no contact")
