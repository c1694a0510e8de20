from django_tasks import task

from relance.orgs.models import Organisation

from .services import send_outbox


@task()
def send_outbox_task(org_id: int | None = None) -> dict:
    from relance.dunning.services import prepare_outbox

    org = Organisation.objects.get(pk=org_id) if org_id else None
    for each in [org] if org else Organisation.objects.all():
        prepare_outbox(each)
    return send_outbox(org)
