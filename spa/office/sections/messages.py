"""Message settings: when reminders go out, the SMS/Zalo gateways, the mail server and
the texts of the messages per channel and language (the owner only)."""

from django.utils.translation import gettext_lazy as _

from spa.booking.models import MessageTemplate
from spa.core import access
from spa.office.forms_messages import MessageTemplateForm
from spa.office.sections import Section, link, register

link(slug="reminder-times", group="messages", order=10, title=_("Reminder times"),
     url_name="office:messages_reminders", allowed=access.can_manage_message_settings,
     help=_("How long before an appointment clients are reminded."))  # fmt: skip
link(slug="gateways", group="messages", order=20, title=_("SMS and Zalo gateways"),
     url_name="office:messages_gateways", allowed=access.can_manage_message_settings,
     help=_("Where SMS and Zalo messages are sent from, with a test button."))  # fmt: skip
link(slug="mail-server", group="messages", order=30, title=_("E-mail server"),
     url_name="office:messages_email", allowed=access.can_manage_message_settings,
     help=_("The SMTP server e-mail goes out through, with a test button."))  # fmt: skip
register(Section(
    slug="message-texts", group="messages", order=40, title=_("Message texts"),
    model=MessageTemplate, form_class=MessageTemplateForm,
    columns=[
        (_("Message"), lambda t: t.get_kind_display()), (_("Channel"), lambda t: t.get_channel_display()),
        (_("Language"), lambda t: t.get_language_display()),
        (_("Text"), lambda t: t.body if len(t.body) <= 80 else t.body[:79] + "…"),
    ],
    allowed=access.can_manage_message_settings,
    queryset=lambda user: MessageTemplate.objects.all(),
    help=_("The wording of each message per channel and language. Without one, reminders use "
           "the built-in text in the client's language."),
))  # fmt: skip
