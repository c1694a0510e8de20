from datetime import UTC
from functools import lru_cache

from django.db import models

from relance.core.chain import KEYED, UNKEYED, json_text


class Event(models.Model):
    """One thing that happened, append-only and hash-chained per organisation."""

    # Indexed by the constraints below, which begin with org.
    org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, db_index=False
    )
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    actor = models.CharField(max_length=200)
    kind = models.CharField(max_length=64)
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    invoice_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # How `hash` was made: keyed, or plain for events recorded before keys.
    scheme = models.CharField(
        max_length=16, choices=[(UNKEYED, "SHA-256"), (KEYED, "HMAC-SHA256")]
    )

    class Meta:
        ordering = ["org", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["org", "seq"], name="one_event_per_seq")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    def payload(self) -> dict:
        return chain_payload(
            self.seq,
            utc_text(self.at),
            self.actor,
            self.kind,
            self.customer_id,
            self.invoice_id,
            self.data,
        )


def utc_text(at) -> str:
    return at.astimezone(UTC).isoformat()


def chain_payload(seq, at_text, actor, kind, customer_id, invoice_id, data) -> dict:
    """What an event's hash covers; `at_text` is its instant as utc_text gives it."""
    return {
        "seq": seq,
        "at": at_text,
        "actor": actor,
        "kind": kind,
        "customer": customer_id,
        "invoice": invoice_id,
        "data": data,
    }


def chain_text(seq, at_text, actor, kind, customer_id, invoice_id, data_text) -> str:
    """chain.canonical(chain_payload(...)) written out directly from the data's
    canonical text, keys in sorted order as canonical writes them: appending a
    million events, it saves encoding each event twice."""
    return (
        f'{{"actor":{_text(actor)},"at":{_text(at_text)},'
        f'"customer":{_id(customer_id)},"data":{data_text},'
        f'"invoice":{_id(invoice_id)},"kind":{_text(kind)},"seq":{int(seq)}}}'
    )


@lru_cache(maxsize=1024)
def _text(value: str) -> str:
    return json_text(value)


def _id(value: int | None) -> str:
    return "null" if value is None else str(int(value))
