from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.core.terms import LEGAL_DEFAULT_DAYS
from relance.legal.validators import validate_contract_rate

from .validators import validate_iban, validate_siren, validate_vat


class Organisation(models.Model):
    """A creditor: the company whose invoices are chased. Owns all its data."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    siren = models.CharField(max_length=9, blank=True, validators=[validate_siren])
    vat_number = models.CharField(max_length=20, blank=True, validators=[validate_vat])
    iban = models.CharField(max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField(max_length=11, blank=True)
    address = models.TextField(blank=True)
    country = models.CharField(max_length=2, default="FR")
    timezone = models.CharField(max_length=64, default="Europe/Paris")
    language = models.CharField(max_length=8, default="fr")
    sender_name = models.CharField(max_length=200, blank=True)
    sender_email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # Crossing guard: with a maximum age set, nothing is sent while the latest bank
    # data is older than that (a payment may be on its way unseen).
    bank_data_as_of = models.DateField(null=True, blank=True)
    bank_max_age_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # Terms applied when an imported file gives no due date (FEC, some
    # e-invoices): by default the legal ones when nothing was agreed.
    default_terms_days = models.PositiveSmallIntegerField(default=LEGAL_DEFAULT_DAYS)
    # The debtor portal: how long a link in a reminder works, and what a
    # customer may do there without asking (a promise within so many days, a
    # plan of at most so many instalments; 0 turns plans off).
    portal_link_days = models.PositiveSmallIntegerField(default=45)
    portal_max_promise_days = models.PositiveSmallIntegerField(default=30)
    portal_max_instalments = models.PositiveSmallIntegerField(default=3)
    # A one-pixel image in each HTML email tells when it was opened. Off by
    # default: SpamAssassin scores a remote image in a short email (2.1 points
    # on our reminders), and customers need not be watched to be reminded.
    track_opens = models.BooleanField(default=False)
    # Late-payment penalties of the terms of sale (a percent, or "3x" the legal
    # rate); empty means the statutory ECB + 10 points.
    penalty_rate = models.CharField(
        _("contractual penalty rate"),
        max_length=16,
        blank=True,
        validators=[validate_contract_rate],
    )
    # Claim the penalties and 40 EUR still owed on invoices paid late in full.
    # Off by default: many creditors waive them for customers who paid.
    claim_late_paid = models.BooleanField(default=False)
    # Head of the timeline hash chain, moved forward with every event.
    timeline_seq = models.PositiveBigIntegerField(default=0)
    timeline_head = models.CharField(max_length=64, default="0" * 64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        """Never write the chain head back from a stale copy: only the timeline
        service moves it, with a row lock and a queryset update."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in CHAIN_FIELDS
            ]
        super().save(*args, **kwargs)


CHAIN_FIELDS = ("timeline_seq", "timeline_head")


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    COLLECTOR = "collector", _("Collector")
    SALES = "sales", _("Sales")
    READ_ONLY = "read_only", _("Read-only")


# The roles that work the queues and send: the web app, the API and the team
# notices all ask this.
SENDERS = (Role.ADMIN, Role.COLLECTOR)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    org = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org"], name="one_membership_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.org} ({self.role})"

    @property
    def can_send(self) -> bool:
        return self.role in SENDERS


def org_today(org: Organisation):
    """Today's date where the organisation is (dates are local, instants aware)."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    return timezone.now().astimezone(ZoneInfo(org.timezone)).date()
