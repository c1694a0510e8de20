from django.urls import path

from . import tracking

urlpatterns = [
    path("o/<str:token>.gif", tracking.opened, name="track_open"),
    path("c/<str:token>/", tracking.clicked, name="track_click"),
]
