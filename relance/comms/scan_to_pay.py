"""A reminder's email carries the transfer slip of its invoices (the SEPA
transfer QR code and its details) as a PDF: an image in a short HTML email
costs more spam points than the whole message (SpamAssassin's HTML_IMAGE_ONLY
and TO_NO_BRKTS_HTML_IMG rules), a PDF none."""

from __future__ import annotations

from django.utils.translation import gettext, override


def scan_files(msg) -> list[tuple[str, bytes, str]]:
    """The slip of the message's reminder; nothing for any other message, nor
    when there is nothing left to pay or no valid IBAN to pay to."""
    if msg.channel != "email" or not msg.action_id:
        return []
    from relance.dunning.pay_by_scan import for_action

    scan = for_action(msg.action)
    if scan is None:
        return []
    with override(msg.language):
        name = gettext("sepa-transfer")
    return [
        (
            f"{name}-{scan.reference}.pdf",
            scan.slip(msg.org, msg.language),
            "application/pdf",
        )
    ]
