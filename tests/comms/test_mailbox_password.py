"""The IMAP password is kept encrypted (relance.encrypted): the database column
holds a Fernet token under a key kept outside it, the inbox still logs in, and
the migration encrypts the passwords stored in clear before."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from relance.comms.inbox import fetch
from relance.comms.models import Mailbox
from tests.comms.test_inbox import reply

SECRET = "imap pass wörd"
BEFORE = ("comms", "0007_claim_identity")
AFTER = ("comms", "0008_mailbox_password_encrypted")


def stored_passwords() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM comms_mailbox ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_the_column_holds_a_token_the_key_opens_not_the_password(
    acme, monkeypatch, settings
):
    monkeypatch.setenv("BOX_PASSWORD", SECRET)
    call_command("replies", "mailbox", "--org", "acme", "--host", "127.0.0.1",
                 "--user", "ar@acme.example", "--password-env", "BOX_PASSWORD")  # fmt: skip
    [token] = stored_passwords()
    assert SECRET not in token and token.startswith("gAAAAA")  # a Fernet token
    assert Fernet(settings.FIELD_KEYS[0]).decrypt(token.encode()).decode() == SECRET
    assert Mailbox.objects.get(org=acme).password == SECRET


@pytest.mark.django_db
def test_the_inbox_logs_in_with_the_decrypted_password(acme, imap):
    imap(reply(body="Bonjour"))
    assert stored_passwords() != ["reply-box"]
    assert fetch(Mailbox.objects.get(org=acme))["read"] == 1


@pytest.mark.django_db
def test_another_key_reads_nothing_and_says_which_setting(acme, imap, settings):
    settings.FIELD_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="RELANCE_FIELD_KEY"):
        Mailbox.objects.get(org=acme)


@pytest.mark.django_db
def test_a_new_key_first_still_reads_what_the_old_one_wrote(acme, imap, settings):
    old = settings.FIELD_KEYS[0]
    settings.FIELD_KEYS = [Fernet.generate_key().decode(), old]
    box = Mailbox.objects.get(org=acme)
    assert box.password == "reply-box"
    box.save()  # written again under the new key
    settings.FIELD_KEYS = settings.FIELD_KEYS[:1]
    assert Mailbox.objects.get(org=acme).password == "reply-box"


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_passwords_stored_in_clear_and_back(acme):
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([BEFORE])
        old = executor.loader.project_state([BEFORE]).apps.get_model("comms", "Mailbox")
        old.objects.create(org_id=acme.pk, host="imap.example", username="u",
                           password=SECRET)  # fmt: skip
        assert stored_passwords() == [SECRET]
        executor.loader.build_graph()
        executor.migrate([AFTER])
        [token] = stored_passwords()
        assert token != SECRET and Mailbox.objects.get().password == SECRET
        executor.loader.build_graph()
        executor.migrate([BEFORE])
        assert stored_passwords() == [SECRET]
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_key_comes_from_the_environment_when_given(tmp_path):
    keys = [Fernet.generate_key().decode() for _ in range(2)]
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update(RELANCE_DATA_DIR=str(tmp_path), RELANCE_FIELD_KEY=",".join(keys))
    probe = "from django.conf import settings; print(','.join(settings.FIELD_KEYS))"
    relance = str(Path(sys.executable).with_name("relance"))
    result = subprocess.run([relance, "shell", "-c", probe], capture_output=True,
                            text=True, env=environ, timeout=120)  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == ",".join(keys), result.stderr
    assert not (tmp_path / "field_key").exists()
    environ["RELANCE_FIELD_KEY"] = "not-a-key"
    bad = subprocess.run([relance, "check"], capture_output=True, text=True,
                         env=environ, timeout=120)  # fmt: skip
    assert bad.returncode != 0 and "RELANCE_FIELD_KEY must be Fernet keys" in bad.stderr
