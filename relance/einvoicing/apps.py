from django.apps import AppConfig


class EinvoicingConfig(AppConfig):
    name = "relance.einvoicing"
    label = "einvoicing"
