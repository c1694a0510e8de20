from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import public, report


@never_cache
@require_GET
def healthz(request):
    """For a load balancer or a monitor: 200 when all is well, 503 otherwise;
    counts only, since anyone may ask."""
    summary = public(report())
    return JsonResponse(summary, status=200 if summary["ok"] else 503)
