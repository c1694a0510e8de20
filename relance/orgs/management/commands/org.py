from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.orgs.models import Organisation
from relance.orgs.services import create_organisation
from relance.output import emit

# Settings `relance org set` changes, as option names.
SETTABLE = (
    "name",
    "siren",
    "iban",
    "bic",
    "address",
    "sender-name",
    "sender-email",
    "phone",
    "timezone",
    "language",
    "penalty-rate",  # terms of sale: a percent (12,5), 3x the legal rate, or ""
)


# Debtor portal settings: field, allowed range, help.
PORTAL_LIMITS = (
    ("portal_link_days", (1, 365), "days a portal link in a reminder works"),
    (
        "portal_max_promise_days",
        (0, 180),
        "latest payment date a customer may promise on the portal, in days",
    ),
    (
        "portal_max_instalments",
        (0, 12),
        "most instalments a customer may choose on the portal (0: no plans)",
    ),
)


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
        change = sub.add_parser("set", help="change an organisation's settings")
        change.add_argument("slug")
        for name in SETTABLE:
            change.add_argument(f"--{name}")
        change.add_argument(
            "--bank-max-age-days",
            type=int,
            help="hold reminders while bank data is older (0: off)",
        )
        change.add_argument("--bank-data-as-of", help="date of the latest bank data")
        change.add_argument(
            "--track-opens",
            choices=("yes", "no"),
            help="tracking pixel in HTML emails (default no: it costs spam points)",
        )
        change.add_argument(
            "--claim-late-paid",
            choices=("yes", "no"),
            help="claim penalties and 40 EUR on invoices paid late (default no)",
        )
        change.add_argument(
            "--default-terms-days",
            type=int,
            help="terms applied when an imported file has no due date (FEC)",
        )
        for name, _range, text in PORTAL_LIMITS:
            change.add_argument(f"--{name.replace('_', '-')}", type=int, help=text)
        change.add_argument("--json", action="store_true")
        listing = sub.add_parser("list", help="list organisations")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        if action == "set":
            return self._set(opts)
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

    def _set(self, opts):
        from datetime import date

        from relance.orgs.services import organisation_by_slug, update_organisation

        changes = {
            key.replace("-", "_"): opts[key.replace("-", "_")]
            for key in SETTABLE
            if opts[key.replace("-", "_")] is not None
        }
        if opts["bank_max_age_days"] is not None:
            changes["bank_max_age_days"] = opts["bank_max_age_days"] or None
        if opts["default_terms_days"] is not None:
            if not 0 <= opts["default_terms_days"] <= 365:
                raise CommandError("--default-terms-days must be between 0 and 365")
            changes["default_terms_days"] = opts["default_terms_days"]
        for name, (low, high), _text in PORTAL_LIMITS:
            if opts[name] is not None:
                if not low <= opts[name] <= high:
                    flag = name.replace("_", "-")
                    raise CommandError(f"--{flag} must be between {low} and {high}")
                changes[name] = opts[name]
        if opts["track_opens"]:
            changes["track_opens"] = opts["track_opens"] == "yes"
        if opts["claim_late_paid"]:
            changes["claim_late_paid"] = opts["claim_late_paid"] == "yes"
        if opts["bank_data_as_of"]:
            try:
                changes["bank_data_as_of"] = date.fromisoformat(opts["bank_data_as_of"])
            except ValueError:
                raise CommandError("--bank-data-as-of must be YYYY-MM-DD") from None
        try:
            org = update_organisation(
                organisation_by_slug(opts["slug"]), changes, "cli"
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        data = {"slug": org.slug, **{k: str(v) for k, v in changes.items()}}
        emit(
            self,
            data,
            opts["json"],
            f"{org.slug}: {', '.join(changes) or 'nothing'} set",
        )
