"""What the e-invoicing platforms said about each invoice: every status message
received (and each 'encaissée' written for the platform), and the invoice's
latest status, which the web app and the API show."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Code(models.TextChoices):
    """The lifecycle statuses of the reform (relance.formats.cdar.STATUSES)."""

    DEPOSITED = "200", pgettext_lazy("invoice status", "Deposited")
    ISSUED = "201", pgettext_lazy("invoice status", "Issued by the platform")
    RECEIVED = "202", pgettext_lazy("invoice status", "Received by the platform")
    MADE_AVAILABLE = "203", pgettext_lazy("invoice status", "Made available")
    IN_HAND = "204", pgettext_lazy("invoice status", "Taken in hand")
    APPROVED = "205", pgettext_lazy("invoice status", "Approved")
    PARTLY_APPROVED = "206", pgettext_lazy("invoice status", "Partly approved")
    DISPUTED = "207", pgettext_lazy("invoice status", "In dispute")
    SUSPENDED = "208", pgettext_lazy("invoice status", "Suspended")
    COMPLETED = "209", pgettext_lazy("invoice status", "Completed")
    REFUSED = "210", pgettext_lazy("invoice status", "Refused")
    PAYMENT_SENT = "211", pgettext_lazy("invoice status", "Payment sent")
    PAID = "212", pgettext_lazy("invoice status", "Payment received")
    REJECTED = "213", pgettext_lazy("invoice status", "Rejected")
    REVIEWED = "214", pgettext_lazy("invoice status", "Reviewed")
    CANCELLED = "220", pgettext_lazy("invoice status", "Cancelled")
    ROUTING_ERROR = "221", pgettext_lazy("invoice status", "Routing error")


class Direction(models.TextChoices):
    RECEIVED = "in", _("Received")
    WRITTEN = "out", _("Written for the platform")


class StatusMessage(models.Model):
    """One status about one invoice, as the platform sent it or as relance
    wrote it; a status read twice (same message, invoice and code) is kept once."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    invoice = models.ForeignKey(
        "ledger.Invoice", null=True, blank=True, on_delete=models.CASCADE
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    message_id = models.CharField(max_length=200)
    invoice_number = models.CharField(max_length=64)
    code = models.CharField(max_length=3, choices=Code.choices)
    issued_at = models.DateTimeField(null=True, blank=True)
    reason_code = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # The hold this status put on the invoice, ended by the status that lifts it.
    hold = models.ForeignKey(
        "dunning.Hold", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "direction", "message_id", "invoice_number", "code"],
                name="status_message_once",
            )
        ]
        indexes = [models.Index(fields=["org", "invoice"])]

    def __str__(self) -> str:
        return f"{self.invoice_number} {self.code}"


class InvoiceStatus(models.Model):
    """An invoice's latest platform status, and the day it was approved: a fact
    a formal notice or a court file can cite."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    invoice = models.OneToOneField(
        "ledger.Invoice", on_delete=models.CASCADE, related_name="platform_status"
    )
    code = models.CharField(max_length=3, choices=Code.choices)
    at = models.DateTimeField()
    message_id = models.CharField(max_length=200)
    reason = models.CharField(max_length=500, blank=True)
    approved_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.code}"
