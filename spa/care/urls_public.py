from django.urls import path

from spa.care import views_public

app_name = "care_public"

urlpatterns = [
    path("<str:token>/", views_public.survey, name="survey"),
    path("<str:token>/thanks/", views_public.thanks, name="thanks"),
]
