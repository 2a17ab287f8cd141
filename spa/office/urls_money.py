from django.urls import path

from spa.office import views_money

urlpatterns = [
    path("money/loyalty/", views_money.loyalty, name="money_loyalty"),
    path("money/receipts/", views_money.invoice_header, name="money_invoice"),
    path(
        "money/vouchers/<int:pk>/deactivate/", views_money.voucher_stop, name="money_voucher_stop"
    ),
]
