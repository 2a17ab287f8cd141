from django.urls import path

from spa.booking import views_public

app_name = "public_booking"

urlpatterns = [
    path("<slug:code>/", views_public.page, name="page"),
    path("<slug:code>/confirm/", views_public.confirm, name="confirm"),
    path("<slug:code>/booked/", views_public.done, name="done"),
]
