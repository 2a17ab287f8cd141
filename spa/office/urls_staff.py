from django.urls import path

from spa.office import views_staff

urlpatterns = [
    path("staff/<int:pk>/services/", views_staff.services, name="staff_services"),
    path("staff/<int:pk>/hours/", views_staff.hours, name="staff_hours"),
    path("staff/<int:pk>/time-off/", views_staff.time_off, name="staff_time_off"),
    path(
        "staff/<int:pk>/time-off/<int:time_off_id>/remove/",
        views_staff.time_off_remove_view,
        name="staff_time_off_remove",
    ),
    path("staff/<int:pk>/password/", views_staff.password, name="staff_password"),
]
