from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("comms", "0006_message_provider_ref"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboundmessage",
            name="claimed_by",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
    ]
