from django.urls import path

from . import views

urlpatterns = [
    path("<str:token>/", views.portal, name="portal"),
    path("<str:token>/invoices/<int:pk>/", views.invoice_pdf, name="portal_invoice"),
]
