from django.urls import include, path

from spa.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("segments/", include("spa.reports.urls_segments")),
    path("due/", include("spa.reports.urls_due")),
    path("<slug:name>/", views.report, name="report"),
]
