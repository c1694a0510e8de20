from django.apps import AppConfig


class DunningConfig(AppConfig):
    name = "relance.dunning"
    label = "dunning"

    def ready(self) -> None:
        """The seams from the apps below: the ledger announces payments."""
        from relance.ledger.signals import invoices_paid

        invoices_paid.connect(_paid, dispatch_uid="dunning.on_paid")


def _paid(sender, org, invoice_ids, actor, today=None, **kwargs) -> None:
    from .services import on_paid

    on_paid(org, invoice_ids, actor, today)
