from django.db import models


class ApiToken(models.Model):
    """A key for the REST API, held by a member of one organisation: it acts in
    that organisation with the member's role, and stops working when the
    membership ends or the token is revoked. Only a digest is kept."""

    membership = models.ForeignKey(
        "orgs.Membership", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)  # shown in lists, to tell tokens apart
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
