from django.urls import path

from spa.privacy import views

app_name = "privacy"

urlpatterns = [
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/new/", views.incident_edit, name="incident_new"),
    path("incidents/<int:incident_id>/", views.incident_detail, name="incident"),
    path("incidents/<int:incident_id>/edit/", views.incident_edit, name="incident_edit"),
    path("incidents/<int:incident_id>/clients.xlsx", views.affected_export, name="affected_export"),
    path(
        "incidents/<int:incident_id>/notice/<str:audience>/<str:language>/",
        views.draft,
        name="draft",
    ),  # fmt: skip
    path("processing/", views.processing_record, name="processing"),
]
