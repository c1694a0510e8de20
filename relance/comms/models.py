from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # The process stopped between handing the message to SMTP and recording the
    # outcome: a person checks; it is never re-sent automatically.
    UNCERTAIN = "uncertain", _("Uncertain")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", _("Held")


class OutboundMessage(models.Model):
    """A rendered message, stored before it is sent and sent at most once."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    action = models.OneToOneField(
        "dunning.Action",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="message",
    )
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE)
    channel = models.CharField(max_length=16, default="email")
    language = models.CharField(max_length=8, default="fr")
    from_address = models.CharField(max_length=300)
    reply_to = models.CharField(max_length=300, blank=True)
    to_addresses = models.JSONField(default=list)
    cc_addresses = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    message_id = models.CharField(max_length=300, unique=True)
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    status_reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)  # the step's send window
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.subject


class MessageTemplate(models.Model):
    """An organisation's own wording of one message in one language, saved from
    the templates editor; without one, the wording shipped with relance."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    name = models.CharField(max_length=64)
    language = models.CharField(max_length=8)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    updated_by = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "name", "language"], name="one_wording_per_message"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
