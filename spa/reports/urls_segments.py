"""/reports/segments/…: the built-in and saved segments, the builder and its live count."""

from django.urls import path

from spa.reports import views_segments as views

urlpatterns = [
    path("", views.segments, name="segments"),
    path("new/", views.segment_new, name="segment_new"),
    path("count/", views.segment_count_view, name="segment_count"),
    path("builtin/<slug:code>/", views.segment_builtin, name="segment_builtin"),
    path("<int:segment_id>/", views.segment, name="segment"),
    path("<int:segment_id>/edit/", views.segment_edit, name="segment_edit"),
    path("<int:segment_id>/count/", views.segment_saved_count, name="segment_saved_count"),
    path("<int:segment_id>/delete/", views.segment_delete_view, name="segment_delete"),
]
