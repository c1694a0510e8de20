from pathlib import Path

from django.core.management.base import BaseCommand

from relance.ops.backup import backup
from relance.output import emit


class Command(BaseCommand):
    help = (
        "Save everything (database, keys, checkpoints, documents) to one .tar.gz, "
        "while relance runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "out", help="the file to write, e.g. relance-2026-12-04.tar.gz"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        data = backup(Path(opts["out"]), show_progress=not opts["json"])
        text = (
            f"{data['out']}: the {data['engine']} database and {data['files']} file(s)"
        )
        if data["keys_from_environment"]:
            text += (
                "\nnot in it, since they come from the environment: "
                + ", ".join(data["keys_from_environment"])
                + " (keep them with the backup)"
            )
        emit(self, data, opts["json"], text)
