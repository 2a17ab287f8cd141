"""The desk's list of clients due back, and a profile's next services (at /reports/due/)."""

from django.urls import path

from spa.reports import views_due

urlpatterns = [
    path("", views_due.due, name="due"),
    path("clients/<int:client_id>/", views_due.client_next, name="client_next"),
]
