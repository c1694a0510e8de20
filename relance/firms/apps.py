from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "relance.firms"
    label = "firms"
