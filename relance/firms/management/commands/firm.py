"""relance firm: an accounting firm, its clients, its staff's roles in each,
and the portfolio as one of them sees it."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.firms import services
from relance.firms.models import Firm
from relance.ledger.services import oversize
from relance.output import emit, organisation_option


class Command(BaseCommand):
    help = "Accounting firms: create one, add clients and staff, see the portfolio."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a new firm")
        create.add_argument("slug")
        create.add_argument("--name", required=True)
        client = sub.add_parser("add-client", help="an organisation the firm serves")
        client.add_argument("slug")
        client.add_argument("--org", required=True)
        client.add_argument(
            "--on-behalf",
            choices=["yes", "no"],
            default="yes",
            help="letters say they are sent on the client's behalf (default yes)",
        )
        staff = sub.add_parser("add-staff", help="a role for the firm's staff member")
        staff.add_argument("slug")
        staff.add_argument("--user", required=True)
        staff.add_argument("--org", required=True)
        staff.add_argument("--role", required=True)
        onboard = sub.add_parser(
            "onboard", help="a new client from its FEC and bank statement at once"
        )
        onboard.add_argument("slug")
        onboard.add_argument("--org", required=True, help="the new client's slug")
        onboard.add_argument("--name", required=True)
        onboard.add_argument("--siren", default="")
        onboard.add_argument("--user", required=True, help="the firm's staff member")
        onboard.add_argument("--role", default="admin")
        onboard.add_argument("--fec", help="the client's FEC")
        onboard.add_argument("--bank", help="a bank statement (CAMT, OFX, MT940, CSV)")
        folio = sub.add_parser("portfolio", help="each client's figures for a user")
        folio.add_argument("--user", required=True)
        for p in (create, client, staff, onboard, folio):
            p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **o):
        try:
            return getattr(self, action.replace("-", "_"))(o)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

    def create(self, o):
        firm = Firm.objects.create(slug=o["slug"], name=o["name"])
        emit(self, {"firm": firm.slug, "name": firm.name}, o["json"], firm.slug)

    def add_client(self, o):
        firm, org = services.firm_named(o["slug"]), organisation_option(o["org"])
        services.add_client(firm, org, on_behalf=o["on_behalf"] == "yes", actor="cli")
        emit(self, {"firm": firm.slug, "client": org.slug}, o["json"], org.slug)

    def add_staff(self, o):
        firm, org = services.firm_named(o["slug"]), organisation_option(o["org"])
        user = self._user(o["user"])
        services.add_staff(firm, user, org, o["role"], actor="cli")
        data = {"firm": firm.slug, "user": user.get_username(), "org": org.slug}
        emit(self, {**data, "role": o["role"]}, o["json"], f"{org.slug}: {o['role']}")

    def onboard(self, o):
        files = {}
        for kind in ("fec", "bank"):
            if o[kind]:
                path = Path(o[kind])
                if not path.is_file():
                    raise CommandError(f"no such file: {path}")
                if refused := oversize(path.stat().st_size):
                    raise CommandError(refused)
                files[kind] = (path.name, path.read_bytes())
        result = services.onboard(
            services.firm_named(o["slug"]),
            self._user(o["user"]),
            slug=o["org"],
            name=o["name"],
            role=o["role"],
            siren=o["siren"],
            actor="cli",
            **files,
        )
        emit(self, result, o["json"], f"{result['org']}: {result}")

    def portfolio(self, o):
        rows = [
            {
                "org": r.org.slug,
                "name": r.org.name,
                "role": r.role,
                "overdue": str(r.overdue),
                "overdue_count": r.overdue_count,
                "dso": r.dso,
                "to_approve": r.to_approve,
                "todo": r.todo,
                "problems": r.problems,
            }
            for r in services.portfolio(self._user(o["user"]))
        ]
        text = "\n".join(
            f"{r['org']:<16} {r['overdue']:>12} overdue  {r['to_approve']} to approve"
            f"  {' '.join(r['problems'])}"
            for r in rows
        )
        emit(self, rows, o["json"], text or "no client")

    def _user(self, name):
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise CommandError(f"no user {name!r}")
        return user
