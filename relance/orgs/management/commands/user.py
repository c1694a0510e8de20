from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations

from relance.orgs.models import Role
from relance.orgs.services import create_user, find_user, organisation_by_slug
from relance.output import emit


class Command(BaseCommand):
    help = "Create a user and give them a role in an organisation."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create",
            help="create a user, or give an existing one a role (and, with "
            "--password, a new password)",
        )
        create.add_argument("email")
        create.add_argument("--org", required=True)
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument(
            "--password",
            help="at least 12 characters, not a common one; required for a new user",
        )
        create.add_argument("--json", action="store_true")

    @no_translations  # the command speaks English, Django's password checks too
    def handle(self, *args, action, **opts):
        existed = find_user(opts["email"]) is not None
        try:
            org = organisation_by_slug(opts["org"])
            user = create_user(opts["email"], org, opts["role"], opts["password"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        role, changed = opts["role"], bool(opts["password"])
        data = {
            "email": user.email,
            "org": org.slug,
            "role": role,
            "created": not existed,
            "password_changed": existed and changed,
        }
        if not existed:
            text = f"{user.email} created, {role} of {org.slug}"
        elif changed:
            text = (
                f"{user.email} already exists: password changed, {role} of {org.slug}"
            )
        else:
            text = (
                f"{user.email} already exists: password unchanged, {role} of {org.slug}"
            )
        emit(self, data, opts["json"], text)
