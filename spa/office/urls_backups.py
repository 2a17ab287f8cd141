from django.urls import path

from spa.backups import views

urlpatterns = [path("backups/", views.backup_settings, name="backups")]
