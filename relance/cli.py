"""The `relance` command: Django's management commands with our settings, and the
database brought up to date first so a fresh data directory just works (checked
once per schema version, relance.ops.schema)."""

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


# Long-running: the schema and the system checks are checked at each start.
ALWAYS_CHECKED = {"serve", "worker", "runserver"}

# What relance writes (the database and its journal, keys, documents) holds
# customers' data and secrets: only the account running relance may read it.
PRIVATE_UMASK = 0o077


def main() -> None:
    os.umask(PRIVATE_UMASK)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command, execute_from_command_line

    args = sys.argv[1:]
    os.environ["RELANCE_COMMAND"] = args[0] if args else "help"  # (settings)
    if not args or args[0] in SKIP_MIGRATE:
        return execute_from_command_line(["relance", *args])
    from django.conf import settings

    from relance.ops import schema

    django.setup()
    if args[0] in ALWAYS_CHECKED or not schema.checked(settings):
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            print("Preparing the database…", file=sys.stderr)
            call_command("migrate", verbosity=0, interactive=False)
        schema.stamp(settings)
    _run(args)


def _run(args: list[str]) -> None:
    """Run the command; the system checks (which import every URL, view and
    API module) only for the long-running ones, checked once at their start."""
    from django.core.management import ManagementUtility

    command = ManagementUtility(["relance", *args]).fetch_command(args[0])
    if args[0] not in ALWAYS_CHECKED:
        command.requires_system_checks = []
    command.run_from_argv(["relance", *args])


if __name__ == "__main__":
    main()
