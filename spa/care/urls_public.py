from django.urls import path

app_name = "care_public"
urlpatterns: list = []
