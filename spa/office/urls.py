"""/settings/…: the shared list/edit pages of every registered section, plus the
bespoke pages of each area, found in the `urls_<area>.py` modules of this package."""

import importlib
import pkgutil
from pathlib import Path

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

for _module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
    if _module.name.startswith("urls_"):
        urlpatterns += importlib.import_module(f"spa.office.{_module.name}").urlpatterns
