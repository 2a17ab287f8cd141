from django.urls import path

from spa.care import views_public

app_name = "care_public"

urlpatterns = [
    path("<str:survey_token>/", views_public.survey, name="survey"),
    path("<str:survey_token>/thanks/", views_public.thanks, name="thanks"),
]
