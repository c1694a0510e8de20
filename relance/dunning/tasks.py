"""Background work through Django's tasks API (django-tasks backport)."""

from datetime import date

from django_tasks import task

from relance.orgs.models import Organisation

from .services import run_dunning


@task()
def run_dunning_task(org_id: int, day: str, actor: str = "system") -> dict:
    org = Organisation.objects.get(pk=org_id)
    return run_dunning(org, date.fromisoformat(day), actor=actor)
