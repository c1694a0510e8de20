from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.api.models import ApiToken
from relance.api.tokens import issue, revoke
from relance.orgs.models import Membership
from relance.orgs.services import organisation_by_slug
from relance.output import emit


class Command(BaseCommand):
    help = (
        "Tokens for the REST API: each acts in one organisation with the role of "
        "the member it is issued to."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token (shown once)")
        create.add_argument("--org", required=True)
        create.add_argument("--user", required=True, help="the member's email")
        create.add_argument("--name", required=True, help="what the token is for")
        listing = sub.add_parser("list", help="the organisation's tokens")
        listing.add_argument("--org", required=True)
        drop = sub.add_parser("revoke", help="stop a token from working")
        drop.add_argument("--org", required=True)
        drop.add_argument("id", type=int)
        for p in (create, listing, drop):
            p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        try:
            org = organisation_by_slug(opts["org"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if action == "create":
            membership = Membership.objects.filter(
                org=org, user__email__iexact=opts["user"]
            ).first()
            if membership is None:
                raise CommandError(f"{opts['user']} is not a member of {org.slug}")
            token, secret = issue(membership, opts["name"])
            data = {**_row(token), "token": secret}
            text = (
                f"token {token.pk} for {opts['user']} ({membership.role}) in "
                f"{org.slug}:\n{secret}\nKeep it now: it is not shown again."
            )
            return emit(self, data, opts["json"], text)
        tokens = ApiToken.objects.filter(membership__org=org).select_related(
            "membership__user"
        )
        if action == "list":
            rows = [_row(t) for t in tokens]
            text = "\n".join(
                f"{r['id']:>5}  {r['prefix']}…  {r['user']:<30} {r['role']:<10} "
                f"{r['name']}{'  (revoked)' if r['revoked_at'] else ''}"
                for r in rows
            )
            return emit(self, rows, opts["json"], text or "no tokens")
        token = tokens.filter(pk=opts["id"]).first()
        if token is None:
            raise CommandError(f"no token {opts['id']} in {org.slug}")
        revoke(token)
        emit(self, _row(token), opts["json"], f"token {token.pk} revoked")


def _row(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "user": token.membership.user.email,
        "role": token.membership.role,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }
