"""Handing one message over to the outgoing mail server, and telling what a lost
connection means: before the server said 354 (go ahead) to DATA nothing went and
the message may be offered again on a new connection; after it, and before the
final reply, the message may have been delivered and a person must decide."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend


class NotHandedOver(Exception):
    """The server was unreachable, dropped the connection or closed it (421)
    before the message went: it can be sent again."""


class HandOverInterrupted(Exception):
    """The connection was lost while the message was being handed over."""


class _WatchesData:
    """An SMTP client that notes the server's 354, the go-ahead for the content."""

    in_data = False

    def getreply(self):
        code, text = super().getreply()
        if code == 354:
            self.in_data = True
        return code, text


class _SMTP(_WatchesData, smtplib.SMTP):
    pass


class _SMTPSSL(_WatchesData, smtplib.SMTP_SSL):
    pass


class _Backend(EmailBackend):
    @property
    def connection_class(self):
        return _SMTPSSL if self.use_ssl else _SMTP


class MailServer:
    """The configured SMTP server, connected when first needed and again after
    the connection drops."""

    def __init__(self):
        tls = settings.RELANCE_SMTP_TLS
        self.backend = _Backend(
            host=settings.RELANCE_SMTP_HOST,
            port=settings.RELANCE_SMTP_PORT,
            username=settings.RELANCE_SMTP_USER or None,
            password=settings.RELANCE_SMTP_PASSWORD or None,
            use_tls=tls == "starttls",
            use_ssl=tls == "ssl",
            timeout=settings.RELANCE_SMTP_TIMEOUT,
            fail_silently=False,
        )

    def hand_over(self, sender: str, recipients: list[str], data: bytes) -> dict:
        """Send one message; returns the recipients refused while others were
        accepted, as smtplib does. Refusals and other replies are raised as
        smtplib raises them, a lost connection as one of the two errors above."""
        try:
            self.backend.open()
        except OSError as exc:
            raise NotHandedOver(f"cannot reach the SMTP server: {exc}") from exc
        smtp = self.backend.connection
        smtp.in_data = False
        try:
            return smtp.sendmail(sender, recipients, data)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code != 421:
                raise
            self.drop()
            raise NotHandedOver(
                f"the server closed the connection: {exc.smtp_code} {exc.smtp_error!r}"
            ) from exc
        except smtplib.SMTPServerDisconnected as exc:
            # How smtplib reports a reset, a timeout or a closed socket.
            self.drop()
            if smtp.in_data:
                raise HandOverInterrupted(
                    f"connection lost while sending: {exc}"
                ) from exc
            raise NotHandedOver(f"connection lost before sending: {exc}") from exc

    def drop(self) -> None:
        """Forget a connection that failed, without talking to the server again."""
        if self.backend.connection is not None:
            self.backend.connection.close()
            self.backend.connection = None

    def close(self) -> None:
        try:
            self.backend.close()
        except OSError:  # saying goodbye on a connection that is going anyway
            self.drop()
