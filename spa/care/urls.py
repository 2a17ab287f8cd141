from django.urls import path

from spa.care import views, views_queue, views_report, views_settings

app_name = "care"

urlpatterns = [
    path("", views_queue.queue, name="queue"),
    path("done/", views_queue.done, name="queue_done"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("report/", views_report.report, name="report"),
    path("settings/", views_settings.care_settings, name="settings"),
    path("clients/<int:client_id>/feedback/", views.client_feedback, name="client_feedback"),
    path("feedback/<int:feedback_id>/complaint/", views.mark_complaint, name="complaint"),
]
