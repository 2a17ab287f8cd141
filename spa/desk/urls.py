from django.urls import path

from spa.desk import views

app_name = "desk"

urlpatterns = [
    path("", views.today, name="today"),
    path("appointments/<int:appointment_id>/check-in/", views.check_in, name="check_in"),
]
