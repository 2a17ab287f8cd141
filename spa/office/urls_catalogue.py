from django.urls import path

from spa.office import views_catalogue as views

urlpatterns = [
    path("stock/", views.stock, name="stock"),
    path("stock/low/", views.stock_low, name="stock_low"),
    path("stock/receive/", views.stock_receive_page, name="stock_receive"),
    path("stock/count/", views.stock_count_page, name="stock_count"),
    path("stock/move/", views.stock_move_page, name="stock_move"),
    path("stock/threshold/", views.stock_threshold_page, name="stock_threshold"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="catalogue_rule_delete"),
]
