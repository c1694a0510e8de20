from django_tasks import task

from relance.orgs.models import Organisation

from .services import prepare_and_send


@task()
def send_outbox_task(org_id: int | None = None) -> dict:
    org = Organisation.objects.get(pk=org_id) if org_id else None
    return prepare_and_send(org)
