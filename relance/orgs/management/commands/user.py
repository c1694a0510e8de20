from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.orgs.models import Role
from relance.orgs.services import create_user, organisation_by_slug
from relance.output import emit


class Command(BaseCommand):
    help = "Create a user and give them a role in an organisation."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a user (or add a role)")
        create.add_argument("email")
        create.add_argument("--org", required=True)
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--password", required=True)
        create.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        try:
            org = organisation_by_slug(opts["org"])
            user = create_user(opts["email"], org, opts["role"], opts["password"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        data = {"email": user.email, "org": org.slug, "role": opts["role"]}
        emit(self, data, opts["json"], f"{user.email} is {opts['role']} of {org.slug}")
