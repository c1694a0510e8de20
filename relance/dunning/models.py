from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionStatus(models.TextChoices):
    APPROVAL = "approval", _("Awaiting approval")
    TODO = "todo", _("To do")  # a call, letter or task for a person
    QUEUED = "queued", _("In the outbox")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Action(models.Model):
    """One step of the policy for one customer on one day, grouping its invoices."""

    # No index of its own: the (org, run_date) index serves lookups by org.
    org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, db_index=False
    )
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE)
    step = models.CharField(max_length=32)
    channel = models.CharField(max_length=16)
    tone = models.CharField(max_length=16)
    template = models.CharField(max_length=64)
    policy = models.CharField(max_length=64, default="default")
    run_date = models.DateField()
    scheduled_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ActionStatus.choices)
    reason = models.CharField(max_length=500, blank=True)
    segment = models.CharField(max_length=16, blank=True)
    instalment = models.PositiveSmallIntegerField(null=True, blank=True)
    # The letter generated for a letter step, relative to RELANCE_DATA_DIR.
    document = models.CharField(max_length=500, blank=True)
    invoices = models.ManyToManyField("ledger.Invoice", through="ActionInvoice")
    # What a call gave, recorded by the person who made it (dunning.calls).
    outcome = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-run_date", "customer_id", "id"]
        indexes = [models.Index(fields=["org", "run_date"])]

    def __str__(self) -> str:
        return f"{self.step} for {self.customer_id} on {self.run_date}"


class ActionInvoice(models.Model):
    """An invoice covered by an action. The unique constraint makes a step for an
    invoice impossible to plan twice, whatever runs concurrently.

    No foreign-key constraints in the database: a first run on a large ledger
    writes hundreds of thousands of links, and checking each of them locks its
    invoice and its action (half of a PostgreSQL run's time at a million
    invoices). Links are written only by the run, for the actions it has just
    written and the invoices it has just read under the organisation's lock;
    deleting an action or an invoice deletes its links (Django's cascade, which
    does not depend on the constraint). tests/dunning/test_links.py checks both."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, db_constraint=False)
    # Looked up through the (invoice, step) unique index: a second index on the
    # invoice alone would only slow down the run's largest write.
    invoice = models.ForeignKey(
        "ledger.Invoice", on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
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


class HoldKind(models.TextChoices):
    DISPUTE = "disputed", _("Dispute")
    PROMISE = "promised", _("Promise to pay")
    PAUSE = "paused", _("Pause")
    BLOCK = "blocked", _("Customer blocked")
    PAYMENT_PENDING = "payment_pending", _("Payment declared")
    PLAN = "payment_plan", _("Payment plan")


class Hold(models.Model):
    """Something that stops reminders, with who, when and why. On one invoice, or
    on the whole customer when `invoice` is empty."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE)
    invoice = models.ForeignKey(
        "ledger.Invoice", null=True, blank=True, on_delete=models.CASCADE
    )
    kind = models.CharField(max_length=16, choices=HoldKind.choices)
    until = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    # What the debtor sent with a declared payment (a transfer receipt).
    proof = models.FileField(upload_to="proofs/%Y/", blank=True)
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=200, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["org", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.kind} on {self.invoice_id or self.customer_id}"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentPlan(models.Model):
    """An agreed schedule for an open invoice: its instalments are chased instead."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE)
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.CASCADE)
    status = models.CharField(
        max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    paid_before = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.TextField(blank=True)
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"plan for {self.invoice_id} ({self.status})"


class Instalment(models.Model):
    plan = models.ForeignKey(
        PaymentPlan, on_delete=models.CASCADE, related_name="instalments"
    )
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"], name="one_instalment_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.amount} on {self.due_date}"


class PolicySetting(models.Model):
    """An organisation's own version of one segment's policy, as the editor saved
    it (relance.core.policy_config data). Without one, the built-in policy."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    segment = models.CharField(max_length=16)
    data = models.JSONField()
    updated_by = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "segment"], name="one_policy_per_segment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.segment} policy of {self.org_id}"


class TaskKind(models.TextChoices):
    REPLY = "reply", _("Reply to confirm")
    ADDRESS_FAILING = "address_failing", _("Email address refused")
    WRONG_CONTACT = "wrong_contact", _("Contact to correct")
    INVOICE_REFUSED = "invoice_refused", _("Invoice refused on its platform")


class Task(models.Model):
    """Something a person must look at that no step of a policy plans: a reply
    to confirm, an address the mail server refused."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    customer = models.ForeignKey(
        "ledger.Customer", null=True, blank=True, on_delete=models.CASCADE
    )
    kind = models.CharField(max_length=24, choices=TaskKind.choices)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["org", "done_at"])]

    def __str__(self) -> str:
        return self.summary
