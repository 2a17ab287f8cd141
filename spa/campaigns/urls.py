from django.urls import path

from spa.campaigns import views, views_auto, views_send, views_settings

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("count/", views.campaign_count, name="count"),
    path("rules/", views_settings.campaign_rules, name="rules"),
    path("automations/", views_auto.automations, name="automations"),
    path("automations/<slug:trigger>/", views_auto.automation, name="automation"),
    path(
        "automations/<slug:trigger>/switch/", views_auto.automation_switch, name="automation_switch"
    ),  # fmt: skip
    path("<int:campaign_id>/", views_send.campaign_detail, name="detail"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("<int:campaign_id>/delete/", views.campaign_delete, name="delete"),
    path("<int:campaign_id>/test/", views_send.campaign_test, name="test"),
    path("<int:campaign_id>/do/<slug:action>/", views_send.campaign_action, name="action"),
    path("<int:campaign_id>/recipients/", views_send.campaign_recipients, name="recipients"),
    path("<int:campaign_id>/results/", views_send.campaign_results_view, name="results"),
]
