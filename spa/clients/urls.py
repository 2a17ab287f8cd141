from django.urls import path

from spa.clients import views, views_lists

app_name = "clients"

urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.client_new, name="new"),
    path("export.xlsx", views.client_export, name="export"),
    path("list/", views_lists.client_list, name="list"),
    path("list/export.xlsx", views_lists.client_list_export, name="list_export"),
    path("<int:client_id>/", views.client_detail, name="detail"),
    path("<int:client_id>/edit/", views.client_edit, name="edit"),
    path("<int:client_id>/health/", views.client_health, name="health"),
    path("<int:client_id>/consent/", views.client_consent, name="consent"),
    path(
        "<int:client_id>/consent-requests/<int:request_id>/",
        views.client_consent_request,
        name="consent_request",
    ),
    path("<int:client_id>/photo/", views.client_photo_upload, name="photo_upload"),
    path("<int:client_id>/photo/<str:size>.jpg", views.client_photo, name="photo"),
    path("<int:client_id>/history/", views.client_history, name="history"),
    path("<int:client_id>/access/", views.client_access_log, name="access_log"),
    path("<int:client_id>/merge/", views.client_merge_view, name="merge"),
    path("<int:client_id>/delete/", views.client_delete_view, name="delete"),
]
