from django.urls import include, path

from relance.api.api import api
from relance.ops.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("p/", include("relance.portal.urls")),
    path("t/", include("relance.comms.urls")),
    path("api/", api.urls),
    path("firm/", include("relance.firms.urls")),
    path("", include("relance.web.urls")),
]
