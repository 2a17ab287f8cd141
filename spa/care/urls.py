from django.urls import path

app_name = "care"
urlpatterns: list = []
