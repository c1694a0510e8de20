from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.orgs.models import Organisation
from relance.orgs.services import create_organisation
from relance.output import emit


class Command(BaseCommand):
    help = "Create or list organisations (the creditors whose invoices are chased)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create an organisation")
        create.add_argument("slug")
        create.add_argument("--name", required=True)
        create.add_argument("--siren", default="")
        create.add_argument("--iban", default="")
        create.add_argument("--sender-email", default="")
        create.add_argument("--json", action="store_true")
        listing = sub.add_parser("list", help="list organisations")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        if action == "list":
            rows = [
                {"slug": o.slug, "name": o.name, "siren": o.siren}
                for o in Organisation.objects.all()
            ]
            text = "\n".join(f"{r['slug']}\t{r['name']}\t{r['siren']}" for r in rows)
            return emit(self, rows, opts["json"], text)
        try:
            org = create_organisation(
                opts["slug"],
                opts["name"],
                siren=opts["siren"].replace(" ", ""),
                iban=opts["iban"].replace(" ", ""),
                sender_email=opts["sender_email"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        data = {"slug": org.slug, "name": org.name, "siren": org.siren}
        emit(self, data, opts["json"], f"Created organisation {org.slug} ({org.name})")
