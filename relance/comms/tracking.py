"""Opens and clicks: a one-pixel image in the HTML part (unless the organisation
turned it off) and the portal link routed through a signed redirect, so that
the customer's timeline shows when a reminder was read and the portal visited.
The plain-text part keeps the direct link."""

from __future__ import annotations

import base64
import re

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from relance.timeline.services import record

from .models import OutboundMessage

SALT = "relance.tracking"
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _url(name: str, data) -> str:
    return settings.RELANCE_PUBLIC_URL + reverse(
        name, args=[signing.dumps(data, salt=SALT, compress=True)]
    )


def tracked(html: str, msg: OutboundMessage) -> str:
    """The HTML part with its portal links tracked and, if the organisation
    allows it, the pixel."""
    portal = re.escape(settings.RELANCE_PUBLIC_URL + "/p/")
    html = re.sub(
        rf'href="({portal}[^"]+)"',
        lambda m: f'href="{_url("track_click", {"m": msg.pk, "u": m.group(1)})}"',
        html,
    )
    if msg.org.track_opens:
        pixel = _url("track_open", msg.pk)
        html = html.replace(
            "</body>", f'<img src="{pixel}" width="1" height="1" alt="">\n</body>'
        )
    return html


@transaction.atomic
def _first(msg_id: int, field: str, kind: str) -> None:
    """Note the first open or click once; later ones change nothing."""
    now = timezone.now()
    if not OutboundMessage.objects.filter(
        pk=msg_id, **{f"{field}__isnull": True}
    ).update(**{field: now}):
        return
    msg = OutboundMessage.objects.select_related("org").get(pk=msg_id)
    record(
        msg.org,
        kind,
        actor="customer",
        customer_id=msg.customer_id,
        data={"message": msg.pk, "subject": msg.subject},
    )


@never_cache
def opened(request, token):
    """Always the image, valid token or not: it tells a stranger nothing."""
    try:
        msg_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        msg_id = None
    if isinstance(msg_id, int):  # _first changes nothing for an unknown id
        _first(msg_id, "opened_at", "message.opened")
    return HttpResponse(PIXEL, content_type="image/gif")


def clicked(request, token):
    try:
        data = signing.loads(token, salt=SALT)
        msg_id, target = int(data["m"]), str(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404("this link is not valid") from None
    if not OutboundMessage.objects.filter(pk=msg_id).exists():
        raise Http404("this link is not valid")
    _first(msg_id, "clicked_at", "message.clicked")
    return HttpResponseRedirect(target)
