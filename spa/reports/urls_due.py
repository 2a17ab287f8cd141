"""The desk's list of clients due back (included at /reports/due/)."""

from django.urls import path

from spa.reports import views_due

urlpatterns = [
    path("", views_due.due, name="due"),
]
