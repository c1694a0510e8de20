from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "relance.orgs"
    label = "orgs"
    verbose_name = "Organisations"
