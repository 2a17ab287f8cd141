from django.urls import path

from spa.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("<int:job_id>/", views.job, name="job"),
    path("<int:job_id>/progress/", views.progress, name="progress"),
    path("<int:job_id>/plan/", views.plan, name="plan"),
    path("<int:job_id>/columns/", views.remap, name="remap"),
    path("<int:job_id>/rows/<int:row_id>/decide/", views.decide, name="decide"),
    path("<int:job_id>/commit/", views.commit, name="commit"),
    path("<int:job_id>/undo/", views.undo, name="undo"),
    path("<int:job_id>/result.xlsx", views.report_xlsx, name="report"),
]
