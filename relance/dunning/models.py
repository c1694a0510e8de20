from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionStatus(models.TextChoices):
    TODO = "todo", _("To do")  # a call, letter or task for a person
    QUEUED = "queued", _("In the outbox")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Action(models.Model):
    """One step of the policy for one customer on one day, grouping its invoices."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE)
    step = models.CharField(max_length=32)
    channel = models.CharField(max_length=16)
    tone = models.CharField(max_length=16)
    template = models.CharField(max_length=64)
    policy = models.CharField(max_length=64, default="default")
    run_date = models.DateField()
    scheduled_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ActionStatus.choices)
    reason = models.CharField(max_length=300, blank=True)
    # The letter generated for a letter step, relative to RELANCE_DATA_DIR.
    document = models.CharField(max_length=500, blank=True)
    invoices = models.ManyToManyField("ledger.Invoice", through="ActionInvoice")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-run_date", "customer_id", "id"]
        indexes = [models.Index(fields=["org", "run_date"])]

    def __str__(self) -> str:
        return f"{self.step} for {self.customer_id} on {self.run_date}"


class ActionInvoice(models.Model):
    """An invoice covered by an action. The unique constraint makes a step for an
    invoice impossible to plan twice, whatever runs concurrently."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE)
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.CASCADE)
    step = models.CharField(max_length=32)
    run_date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "step"], name="one_step_per_invoice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} of invoice {self.invoice_id}"
