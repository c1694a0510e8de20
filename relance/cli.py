"""The `relance` command: Django's management commands with our settings, and the
database brought up to date first so a fresh data directory just works."""

import os
import sys

SKIP_MIGRATE = {
    "migrate",
    "makemigrations",
    "help",
    "--help",
    "-h",
    "version",
    "--version",
    "check",
    "showmigrations",
    "sqlmigrate",
    "test",
    "restore",  # into an empty data directory: nothing to migrate before it
}


# What relance writes (the database and its journal, keys, documents) holds
# customers' data and secrets: only the account running relance may read it.
PRIVATE_UMASK = 0o077


def main() -> None:
    os.umask(PRIVATE_UMASK)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command, execute_from_command_line

    args = sys.argv[1:]
    if args and args[0] not in SKIP_MIGRATE:
        django.setup()
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            print("Preparing the database…", file=sys.stderr)
            call_command("migrate", verbosity=0, interactive=False)
    execute_from_command_line(["relance", *args])


if __name__ == "__main__":
    main()
