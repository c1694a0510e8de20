from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.core.money import Money
from relance.legal.validators import validate_contract_rate
from relance.orgs.validators import validate_siren, validate_siret, validate_vat
from relance.stored_files import invoice_document_path

AMOUNT = {"max_digits": 14, "decimal_places": 2}


class CustomerKind(models.TextChoices):
    B2B = "b2b", _("Business")
    B2C = "b2c", _("Consumer")
    PUBLIC = "public", _("Public buyer")


class Customer(models.Model):
    # Indexed by the constraints below, which begin with org.
    org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, db_index=False
    )
    ref = models.CharField(_("reference"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(max_length=8, choices=CustomerKind.choices, default="b2b")
    # Penalty rate agreed with this customer, over the organisation's terms of
    # sale: a percent ("12,5") or a multiple of the legal rate ("3x").
    penalty_rate = models.CharField(
        _("contractual penalty rate"),
        max_length=16,
        blank=True,
        validators=[validate_contract_rate],
    )
    siren = models.CharField(max_length=9, blank=True, validators=[validate_siren])
    siret = models.CharField(max_length=14, blank=True, validators=[validate_siret])
    vat_number = models.CharField(max_length=20, blank=True, validators=[validate_vat])
    language = models.CharField(max_length=8, default="fr")
    key_account = models.BooleanField(default=False)
    address = models.TextField(blank=True)
    account_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["org", "ref"], name="customer_ref_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class ContactRole(models.TextChoices):
    BILLING = "billing", _("Billing")
    ACCOUNTS_PAYABLE = "accounts_payable", _("Accounts payable")
    MANAGEMENT = "management", _("Management")
    OTHER = "other", _("Other")


class Contact(models.Model):
    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # A number that takes texts (SMS, WhatsApp), checked and kept in E.164
    # (+33612345678) by ledger.contacts; `phone` is for calls, as written.
    mobile = models.CharField(max_length=20, blank=True, default="", db_default="")
    role = models.CharField(
        max_length=20, choices=ContactRole.choices, default=ContactRole.BILLING
    )
    # Set when the mail server refused the address for good (refusal or bounce):
    # reminders skip it until a person corrects it (comms.addresses).
    email_failing = models.CharField(
        max_length=300, blank=True, default="", db_default=""
    )
    email_failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "id"]

    def __str__(self) -> str:
        return self.name or self.email or self.phone


# Contacts whose address receives reminders.
REMINDER_ROLES = (ContactRole.BILLING, ContactRole.ACCOUNTS_PAYABLE)


class Invoice(models.Model):
    # Indexed by the constraints below, which begin with org.
    org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("number"), max_length=64)
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    currency = models.CharField(max_length=3, default="EUR")
    total_excl_tax = models.DecimalField(**AMOUNT, null=True, blank=True)
    tax = models.DecimalField(**AMOUNT, null=True, blank=True)
    total = models.DecimalField(_("total"), **AMOUNT)
    # Derived from allocations by ledger.services.refresh_paid, never set by hand.
    amount_paid = models.DecimalField(**AMOUNT, default=Decimal("0"))
    paid_on = models.DateField(null=True, blank=True)
    # Named by its SHA-256 in the organisation's folder (relance.stored_files).
    document = models.FileField(upload_to=invoice_document_path, blank=True)
    # Problems that weaken the claim (relance.core.compliance), set on import.
    defects = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "number"], name="invoice_number_per_org"
            )
        ]
        indexes = [
            models.Index(fields=["org", "paid_on"]),
            models.Index(fields=["org", "due_date"]),
            # The open invoices, a few percent of a real ledger: what the dashboard,
            # the overdue list and the daily run read.
            models.Index(
                fields=["org", "due_date"],
                condition=models.Q(amount_paid__lt=models.F("total")),
                name="invoice_open_by_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def open_amount(self) -> Money:
        return Money(self.total - self.amount_paid, self.currency)

    @property
    def total_money(self) -> Money:
        return Money(self.total, self.currency)

    @property
    def is_paid(self) -> bool:
        return self.amount_paid >= self.total


class PaymentSource(models.TextChoices):
    IMPORT = "import", _("Imported ledger")
    BANK = "bank", _("Bank statement")
    MANUAL = "manual", _("Entered by hand")
    WRITE_OFF = "writeoff", _("Small difference written off")


class Payment(models.Model):
    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT
    )
    received_on = models.DateField()
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3, default="EUR")
    reference = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=PaymentSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["org", "received_on"])]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.received_on}"


class Allocation(models.Model):
    """The part of a payment that settles one invoice."""

    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="allocations"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="allocations"
    )
    amount = models.DecimalField(**AMOUNT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "invoice"], name="one_allocation_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} to invoice {self.invoice_id}"


class ImportBatch(models.Model):
    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    actor = models.CharField(max_length=200)
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"


class RejectedRow(models.Model):
    """A row a reader refused, kept with its reason so nothing is lost."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="rejected_rows"
    )
    row = models.PositiveIntegerField()
    reason = models.TextField()
    raw = models.JSONField(default=dict)

    class Meta:
        ordering = ["row"]

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


class BankLineStatus(models.TextChoices):
    MATCHED = "matched", _("Matched")
    TO_REVIEW = "to_review", _("To review")
    UNMATCHED = "unmatched", _("Unmatched")
    IGNORED = "ignored", _("Not a customer payment")


class BankLine(models.Model):
    """Money received on a bank statement, and what became of it."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="bank_lines"
    )
    checksum = models.CharField(max_length=64)
    booked = models.DateField()
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
    payer = models.CharField(max_length=200, blank=True)
    remittance = models.TextField(blank=True)
    creditor_ref = models.CharField(max_length=64, blank=True)
    bank_ref = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=BankLineStatus.choices)
    confidence = models.FloatField()  # of the match, not an amount
    reason = models.CharField(max_length=300, blank=True)
    candidates = models.JSONField(default=list)  # invoice numbers to review
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-booked", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "checksum"], name="bank_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.booked}"


class ColumnMapping(models.Model):
    """An organisation's saved column mapping for an import kind: the field each
    column of its accounting package's export holds, so the next file of the
    same shape needs no guessing."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, default="invoices")
    columns = models.JSONField(default=dict)  # field -> header as in the file
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "kind"], name="one_mapping_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} columns of {self.org_id}"
