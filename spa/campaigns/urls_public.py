from django.urls import path

from spa.campaigns import views_public

app_name = "campaign_public"

urlpatterns = [
    path("inbound/<slug:channel>/", views_public.inbound, name="inbound"),
    path("<str:token>/", views_public.click, name="click"),
    path("<str:token>/stop/", views_public.stop, name="stop"),
]
