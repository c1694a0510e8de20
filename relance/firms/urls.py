from django.urls import path

from . import views

urlpatterns = [
    path("", views.portfolio, name="firm_portfolio"),
    path("approve/<int:pk>/", views.approve, name="firm_approve"),
]
