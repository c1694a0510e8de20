"""Who signs a client's letter: when the firm's mandate requires it, the firm,
on behalf of the client ("pour le compte de")."""

from __future__ import annotations

from django.utils.translation import gettext, override


def signatory(org, lang: str) -> str:
    """The organisation's own signatory, or the firm's on its behalf."""
    client = getattr(org, "firm_client", None)
    if client is None or not client.on_behalf:
        return org.sender_name
    with override(lang):
        return gettext("%(firm)s, on behalf of %(client)s") % {
            "firm": client.firm.name,
            "client": org.name,
        }
