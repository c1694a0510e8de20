from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.encrypted import EncryptedTextField


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
    # What goes with it, named at rendering and read at sending (compose.py):
    # [{"invoice": pk}, ...] or [{"statement": [pk, ...]}].
    attachments = models.JSONField(default=list, blank=True)
    # The earlier messages of the customer's thread, set when it is sent.
    in_reply_to = models.CharField(max_length=300, blank=True)
    references = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    status_reason = models.CharField(max_length=300, blank=True)
    # A text's id at its provider (comms.texts), for the proof that it went.
    provider_ref = models.CharField(max_length=100, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)  # the step's send window
    # The instant of this message's own claim, renewed right before it is handed
    # over, and who claimed it (host:pid:random): staleness is judged from these.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    # First open (tracking pixel) and first click on the portal link.
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
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


class Mailbox(models.Model):
    """The IMAP mailbox where an organisation's customers answer (its Reply-To
    address). Read by comms.inbox; `last_uid` is how far it has been read."""

    org = models.OneToOneField("orgs.Organisation", on_delete=models.CASCADE)
    host = models.CharField(max_length=200)
    port = models.PositiveIntegerField(default=993)
    tls = models.CharField(max_length=8, default="ssl")  # ssl, starttls or none
    username = models.CharField(max_length=200)
    # Encrypted in the column, with a key kept outside the database.
    password = EncryptedTextField()
    folder = models.CharField(max_length=200, default="INBOX")
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"


class ReplyKind(models.TextChoices):
    PROMISE = "promise", _("Promise to pay")
    DISPUTE = "dispute", _("Dispute")
    PAID = "already_paid", _("Says it is paid")
    PLAN = "plan_request", _("Asks for a payment plan")
    COPY = "copy_request", _("Asks for a copy of the invoice")
    AWAY = "out_of_office", _("Out of office")
    BOUNCE = "bounce", _("Delivery failure")
    OTHER = "other", _("Other")


class ReplyStatus(models.TextChoices):
    TO_CONFIRM = "to_confirm", _("To confirm")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class Reply(models.Model):
    """A message received in the organisation's mailbox, attached to the customer
    and the message it answers, classified by relance.core.replies, waiting for
    a person to confirm what it says."""

    org = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    customer = models.ForeignKey(
        "ledger.Customer", null=True, blank=True, on_delete=models.CASCADE
    )
    answers = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL
    )
    matched_by = models.CharField(max_length=16, blank=True)  # thread, address
    message_id = models.CharField(max_length=300)
    from_address = models.CharField(max_length=300)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    received_at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=ReplyKind.choices)
    confidence = models.FloatField(default=0)
    promised_on = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    back_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ReplyStatus.choices, default=ReplyStatus.TO_CONFIRM
    )
    hold = models.ForeignKey(
        "dunning.Hold", null=True, blank=True, on_delete=models.SET_NULL
    )
    decided_by = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "message_id"], name="one_reply_per_message_id"
            )
        ]

    def __str__(self) -> str:
        return self.subject
