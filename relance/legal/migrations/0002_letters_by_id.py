"""Letters written before relance named folders by ids moved from
`letters/<org slug>/<customer reference>/` to `orgs/<org id>/letters/<customer id>/`,
so a court file still finds the formal notices sent before the upgrade. A folder
that a crafted reference put outside its organisation's is left where it is."""

import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations


def move_letters(apps, schema_editor):
    Customer = apps.get_model("ledger", "Customer")
    Action = apps.get_model("dunning", "Action")
    root = Path(settings.MEDIA_ROOT)
    old_root = root / "letters"
    if not old_root.is_dir():
        return
    for customer in Customer.objects.select_related("org").iterator():
        org_dir = (old_root / customer.org.slug).resolve()
        old = (org_dir / customer.ref).resolve()
        if old.parent != org_dir or not old.is_dir():
            continue
        new = root / "orgs" / str(customer.org_id) / "letters" / str(customer.pk)
        new.mkdir(parents=True, exist_ok=True)
        for path in old.glob("*.pdf"):
            target = new / path.name
            shutil.move(path, target)
            Action.objects.filter(
                customer_id=customer.pk,
                document=str(path.relative_to(root.resolve())),
            ).update(document=str(target.relative_to(root)))


class Migration(migrations.Migration):
    dependencies = [
        ("legal", "0001_initial"),
        ("ledger", "0011_invoice_document_path"),
        ("dunning", "0010_links_without_fk_constraints"),
    ]

    operations = [migrations.RunPython(move_letters, migrations.RunPython.noop)]
