from django.urls import path

from spa.office import views

app_name = "office"

urlpatterns = [
    path("", views.index, name="index"),
    path("history/", views.history, name="history"),
    path("s/<slug:slug>/", views.section_list, name="section"),
    path("s/<slug:slug>/new/", views.section_edit, name="section_new"),
    path("s/<slug:slug>/<int:pk>/", views.section_edit, name="section_edit"),
    path("s/<slug:slug>/<int:pk>/active/", views.section_toggle, name="section_toggle"),
]
