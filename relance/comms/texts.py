"""Sending texts (SMS, WhatsApp). A provider takes a number in E.164 and a text
and returns its own reference for the message; it raises TextRefused when the
number will never take it, TextUnavailable when trying later may work. Any other
error leaves the message uncertain, as an SMTP connection lost mid-send does.

The default provider writes each text as one JSON line under the data directory
(`texts/<channel>-<day>.jsonl`) and logs it: nothing leaves the machine until a
real gateway is configured with RELANCE_SMS_PROVIDER or
RELANCE_WHATSAPP_PROVIDER (a dotted path to a class taking the channel)."""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class TextRefused(Exception):
    """The provider will never deliver this text (number unknown, opted out)."""


class TextUnavailable(Exception):
    """The provider cannot take the text now; trying later may work."""


class TextProvider(Protocol):
    name: str

    def send(self, to: str, body: str, reference: str) -> str:
        """Hand the text over; return the provider's id for it."""
        ...


class FileOutbox:
    """Texts kept in a file for a person (or a script) to read: the default."""

    name = "file"

    def __init__(self, channel: str):
        self.channel = channel

    def send(self, to: str, body: str, reference: str) -> str:
        sent_id = uuid.uuid4().hex
        now = timezone.now()
        folder = Path(settings.DATA_DIR) / "texts"
        folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {
                "id": sent_id,
                "channel": self.channel,
                "to": to,
                "body": body,
                "reference": reference,
                "at": now.isoformat(),
            },
            ensure_ascii=False,
        )
        path = folder / f"{self.channel}-{now.date().isoformat()}.jsonl"
        # One write of one line, flushed to disk before the text counts as sent.
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        log.info("%s to %s: %s", self.channel, to, body)
        return sent_id


SETTINGS = {"sms": "RELANCE_SMS_PROVIDER", "whatsapp": "RELANCE_WHATSAPP_PROVIDER"}


def provider(channel: str) -> TextProvider:
    return import_string(getattr(settings, SETTINGS[channel]))(channel)
