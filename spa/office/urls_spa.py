from django.urls import path

from spa.office import views_spa

urlpatterns = [path("spa/", views_spa.spa_policies, name="spa")]
