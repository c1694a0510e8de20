"""Mailbox passwords encrypted in their column (relance.encrypted): the column
becomes text wide enough for a Fernet token, then each clear password is
replaced by its token. Read and written with plain SQL: through the model the
field would try to decrypt the clear values."""

from django.db import migrations

import relance.encrypted


def _rewrite(schema_editor, apps, change):
    table = schema_editor.quote_name(apps.get_model("comms", "Mailbox")._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, password FROM {table}")
        for pk, value in cursor.fetchall():
            cursor.execute(
                f"UPDATE {table} SET password = %s WHERE id = %s", [change(value), pk]
            )


def encrypt_passwords(apps, schema_editor):
    _rewrite(schema_editor, apps, relance.encrypted.encrypt)


def decrypt_passwords(apps, schema_editor):
    _rewrite(schema_editor, apps, relance.encrypted.decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0007_claim_identity"),
    ]

    operations = [
        migrations.AlterField(
            model_name="mailbox",
            name="password",
            field=relance.encrypted.EncryptedTextField(),
        ),
        migrations.RunPython(encrypt_passwords, decrypt_passwords),
    ]
