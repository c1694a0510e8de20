import subprocess
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relance.ops.backup import RestoreError, restore
from relance.output import emit


class Command(BaseCommand):
    help = "Bring a backup back into an empty data directory (and empty database)."

    def add_arguments(self, parser):
        parser.add_argument("source", help="a file written by relance backup")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        source = Path(opts["source"])
        if not source.is_file():
            raise CommandError(f"{source}: no such file")
        try:
            data = restore(source, show_progress=not opts["json"])
        except RestoreError as exc:
            raise CommandError(str(exc)) from None
        # An older version's backup: migrated by a fresh process, which reads
        # the keys just restored (a migration may need them).
        subprocess.run(
            [sys.executable, "-m", "relance.cli", "migrate", "--verbosity", "0"],
            check=True,
        )
        text = f"restored {source} ({data['engine']}, taken {data['created_at']})"
        emit(self, data, opts["json"], text)
