from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from relance.orgs.models import Organisation
from relance.output import emit, organisation_option, to_json
from relance.timeline import checkpoints
from relance.timeline.audit import audit


class Command(BaseCommand):
    help = (
        "Verify an organisation's timeline (its keyed hash chain and signed "
        "checkpoints), write checkpoints, export them."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser(
            "verify", help="recompute the chain, check it against the checkpoints"
        )
        check.add_argument("--org", required=True)
        check.add_argument(
            "--checkpoints", help="also check the checkpoints of this (exported) file"
        )
        check.add_argument("--json", action="store_true")
        point = sub.add_parser("checkpoint", help="sign and keep the chain's head")
        point.add_argument("--org", help="default: every organisation")
        point.add_argument("--json", action="store_true")
        export = sub.add_parser(
            "export-checkpoints", help="the checkpoints and the public key"
        )
        export.add_argument("--org", required=True)
        export.add_argument("--out", help="file to write (default: standard output)")
        export.add_argument("--json", action="store_true")
        key = sub.add_parser("public-key", help="the key that checks checkpoints")
        key.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        getattr(self, action.replace("-", "_"))(opts)

    def verify(self, opts):
        org = organisation_option(opts["org"])
        copy = Path(opts["checkpoints"]) if opts["checkpoints"] else None
        if copy is not None and not copy.is_file():
            raise CommandError(f"--checkpoints: no file {copy}")
        with translation.override(settings.LANGUAGE_CODE):
            report = audit(org, copy)
        status = "OK" if report["ok"] else "TAMPERED"
        emit(self, report, opts["json"], f"{status}: {report['message']}")
        if not report["ok"]:
            raise SystemExit(1)

    def checkpoint(self, opts):
        orgs = (
            [organisation_option(opts["org"])]
            if opts["org"]
            else Organisation.objects.order_by("pk")
        )
        written, broken = [], []
        for org in orgs:
            try:
                written.append(checkpoints.write(org))
            except checkpoints.TimelineBroken as exc:
                broken.append(
                    {
                        "org": org.slug,
                        "problem": exc.verdict.problem,
                        "first_bad_seq": exc.verdict.first_bad_seq,
                    }
                )
        data = {
            "checkpoints": [asdict(c) for c in written],
            "broken": broken,
        }
        text = "\n".join(
            [f"{c.org}: {c.events} events, head {c.head}" for c in written]
            + [f"{b['org']}: NOT CHECKPOINTED, {b['problem']}" for b in broken]
        )
        emit(self, data, opts["json"], text)
        if broken:
            raise SystemExit(1)

    def export_checkpoints(self, opts):
        org = organisation_option(opts["org"])
        data = checkpoints.exported(org)
        if not opts["out"]:
            emit(self, data, True)
            return
        out = Path(opts["out"])
        out.write_text(to_json(data) + "\n")
        summary = {"out": str(out), "checkpoints": len(data["checkpoints"])}
        emit(
            self,
            summary,
            opts["json"],
            f"{summary['checkpoints']} checkpoint(s) written to {out}",
        )

    def public_key(self, opts):
        pem = checkpoints.public_key_pem()
        emit(self, {"algorithm": "ed25519", "public_key": pem}, opts["json"], pem)
