from django.urls import path

from spa.sales import views, views_lists

app_name = "sales"

urlpatterns = [
    path("clients/<int:client_id>/", views.money, name="money"),
    path("clients/<int:client_id>/checkout/", views.checkout, name="checkout"),
    path(
        "clients/<int:client_id>/checkout/preview/", views.checkout_preview, name="checkout_preview"
    ),
    path("clients/<int:client_id>/packages/new/", views.package_new, name="package_new"),
    path("clients/<int:client_id>/<str:action>/", views.money_action, name="money_action"),
    path("invoices/<int:invoice_id>/", views.invoice, name="invoice"),
    path("invoices/<int:invoice_id>/credit-note/", views.credit_note, name="credit_note"),
    path("report/", views.report, name="report"),
    path("debts/", views_lists.debts, name="debts"),
    path("packages/expiring/", views_lists.expiring, name="expiring"),
    path("referrals/<int:reward_id>/slip/", views.commission_slip, name="slip"),
]
