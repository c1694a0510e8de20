from django.db import migrations, models


class Migration(migrations.Migration):
    """Events recorded until now were hashed without a key: they keep that
    scheme, and every event from now on is keyed."""

    dependencies = [
        ("timeline", "0002_org_indexed_by_constraints"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="scheme",
            field=models.CharField(
                choices=[("sha256", "SHA-256"), ("hmac-sha256", "HMAC-SHA256")],
                default="sha256",
                max_length=16,
            ),
            preserve_default=False,
        ),
    ]
