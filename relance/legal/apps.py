from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "relance.legal"
    label = "legal"
