from django.urls import path

from spa.office import views_messages

urlpatterns = [
    path("messages/reminders/", views_messages.reminder_times, name="messages_reminders"),
    path("messages/gateways/", views_messages.gateways, name="messages_gateways"),
    path("messages/gateways/test/", views_messages.send_test, {"kind": "gateways"},
         name="messages_gateways_test"),
    path("messages/email/", views_messages.mail_server, name="messages_email"),
    path("messages/email/test/", views_messages.send_test, {"kind": "email"},
         name="messages_email_test"),
    path("messages/preview/", views_messages.template_preview_part, name="messages_preview"),
]  # fmt: skip
