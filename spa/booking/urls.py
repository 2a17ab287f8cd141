from django.urls import path

from spa.booking import views

app_name = "booking"

urlpatterns = [
    path("", views.day_view, name="day"),
    path("week/", views.week_view, name="week"),
    path("clients/<int:client_id>/book/", views.book, name="book"),
    path("book/", views.pick_client, name="pick_client"),
    path("appointments/<int:appointment_id>/", views.detail, name="detail"),
    path("appointments/<int:appointment_id>/reschedule/", views.reschedule, name="reschedule"),
    path("appointments/<int:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("appointments/<int:appointment_id>/<str:action>/", views.status, name="status"),
    path("my-calendar/", views.my_feed, name="my_feed"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
