"""What the worker keeps in the database: each organisation's schedule, one row
per organisation-day (the claim that makes two workers never run the same day),
and each worker's heartbeat."""

from django.db import models

from relance.orgs.models import Organisation

DEFAULT_HOUR = 7


class Schedule(models.Model):
    """When an organisation's day runs (its local hour) and where its files are
    dropped (a folder with `invoices/` and `bank/` inside, optional)."""

    org = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="schedule"
    )
    hour = models.PositiveSmallIntegerField(default=DEFAULT_HOUR)
    watch_dir = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return f"{self.org.slug} at {self.hour}h"


class DayStatus(models.TextChoices):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class OrgDay(models.Model):
    """One organisation's daily cycle for one day, claimed by one worker at a
    time: the unique (org, day) row is the lock, `claimed_at` its lease."""

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    day = models.DateField()
    status = models.CharField(max_length=8, choices=DayStatus.choices)
    claimed_by = models.CharField(max_length=200)
    claimed_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=1)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "day"], name="ops_one_org_day")
        ]

    def __str__(self):
        return f"{self.org_id} {self.day} {self.status}"


class Heartbeat(models.Model):
    """A worker process says it is alive, and what it is doing."""

    worker = models.CharField(max_length=200, unique=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    job = models.CharField(max_length=200, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.worker
