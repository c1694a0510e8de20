"""An accounting firm and the client organisations it chases invoices for
under a mandate (loi PACTE). The firm's staff work in each client with the
role their membership of that client gives (orgs.Membership): the firm only
gathers the clients in one portfolio, it grants nothing by itself."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Firm(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    """A client organisation of the firm; one firm at a time."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="clients")
    org = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="firm_client"
    )
    # The mandate requires letters to say they are sent on the client's behalf.
    on_behalf = models.BooleanField(
        _("letters sent on the client's behalf"), default=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.org} ({self.firm})"


class Staff(models.Model):
    """Someone of the firm; what they may do in a client is their membership."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="firm_staff"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "user"], name="staff_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.firm}"
