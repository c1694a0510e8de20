from django.db import models


class RateKind(models.TextChoices):
    ECB = "ecb", "ECB main refinancing rate"
    ECB_CONFIRMED = "ecb_confirmed", "ECB rate unchanged until"
    LEGAL = "legal", "Legal interest rate (half-year)"


class RateEntry(models.Model):
    """A rate added by an administrator on top of the tables shipped with relance
    (public law data, shared by every organisation)."""

    kind = models.CharField(max_length=16, choices=RateKind.choices)
    day = models.DateField()  # effective date, half-year start, or confirmed-until
    rate = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    rate_individual = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    source = models.CharField(max_length=300)
    # A rate fetched from the ECB's data portal is used once a person confirms it.
    confirmed = models.BooleanField(default=True)
    added_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "day"], name="one_rate_per_kind_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day} {self.rate}"
