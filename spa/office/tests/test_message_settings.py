"""Settings → Messages: reminder times as durations, gateways and the mail server with
secrets never shown back nor kept in the history, test sends through a local gateway
and a real SMTP server, and message texts checked for their placeholders."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.urls import reverse

from conftest import ROLES, statuses
from spa.accounts.models import SpaSettings
from spa.audit.models import Action, AuditEntry
from spa.booking.models import MessageTemplate
from tests.worker.helpers import Inbox, free_port, wait_for

pytestmark = pytest.mark.django_db

PAGES = ["office:messages_reminders", "office:messages_gateways", "office:messages_email"]


def settings_entries():
    return list(AuditEntry.objects.filter(action=Action.SETTINGS).order_by("id"))


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


class FakeGateway(BaseHTTPRequestHandler):
    calls: list = []
    status = 200
    answer = b'{"id": "msg-1"}'

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeGateway.calls.append((self.headers.get("Authorization"), body))
        self.send_response(FakeGateway.status)
        self.end_headers()
        self.wfile.write(FakeGateway.answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    FakeGateway.calls, FakeGateway.status, FakeGateway.answer = [], 200, b'{"id": "msg-1"}'
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), FakeGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/send"
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp_server():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.mark.parametrize("url_name", PAGES)
def test_message_pages_are_for_the_owner_only(client, people, url_name):
    got = dict(zip(ROLES, statuses(client, people, reverse(url_name)), strict=True))
    assert got["anonymous"] == 302 and got["owner"] == 200
    assert {got[r] for r in ROLES[2:]} == {403}


@pytest.mark.parametrize(
    "url_name",
    ["office:messages_gateways_test", "office:messages_email_test", "office:messages_preview"],
)
def test_test_sends_and_previews_are_for_the_owner_only(client, people, url_name, gateway):
    SpaSettings.objects.update_or_create(pk=1, defaults={"sms_gateway_url": gateway})
    data = {"channel": "sms", "phone": "0912345678", "email": "a@example.com", "body": "{name}"}
    got = dict(zip(ROLES, statuses(client, people, reverse(url_name), "post", data), strict=True))
    assert got["anonymous"] == 302 and got["owner"] == 200
    assert {got[r] for r in ROLES[2:]} == {403}
    assert len(FakeGateway.calls) <= 1  # only the owner's


def test_reminder_times_are_durations_not_minutes(client, owner):
    SpaSettings.objects.update_or_create(pk=1, defaults={"reminder_offsets": [1440, 120]})
    client.force_login(owner)
    page = client.get(reverse("office:messages_reminders")).content.decode()
    assert 'name="amount_0" value="1"' in page and 'name="amount_1" value="2"' in page
    assert '<option value="days" selected>ngày trước</option>' in page
    assert "[1440" not in page and "1440" not in page
    response = client.post(reverse("office:messages_reminders"), {
        "amount_0": "2", "unit_0": "hours", "amount_1": "3", "unit_1": "days",
        "amount_2": "", "unit_2": "hours", "amount_3": "", "unit_3": "hours"})  # fmt: skip
    assert response.status_code == 302
    assert SpaSettings.current().reminder_offsets == [4320, 120]
    [entry] = settings_entries()
    assert entry.changes == {"reminder_offsets": [[1440, 120], [4320, 120]]}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"amount_0": "31", "unit_0": "days"}, "Tối đa 30 ngày"),
        (
            {"amount_0": "1", "unit_0": "days", "amount_1": "24", "unit_1": "hours"},
            "đã có trong danh sách",
        ),
        ({"amount_0": "0", "unit_0": "hours"}, ""),
        ({"amount_0": "hai", "unit_0": "hours"}, ""),
    ],
)
def test_wrong_reminder_times_save_nothing(client, owner, rows, message):
    client.force_login(owner)
    data = {f"unit_{i}": "hours" for i in range(4)} | rows
    response = client.post(reverse("office:messages_reminders"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert SpaSettings.current().reminder_offsets == [1440, 120]
    assert not settings_entries()


def test_a_gateway_token_is_never_shown_nor_kept_in_the_history(client, owner, gateway):
    client.force_login(owner)
    data = {
        "sms_gateway_url": gateway,
        "sms_gateway_token": "sk-very-secret-1",
        "zalo_gateway_url": "",
    }
    assert client.post(reverse("office:messages_gateways"), data).status_code == 302
    assert SpaSettings.current().sms_gateway_token == "sk-very-secret-1"
    page = client.get(reverse("office:messages_gateways")).content.decode()
    assert "sk-very-secret-1" not in page and "đã lưu: để trống để giữ nguyên" in page
    # Blank keeps it; a new one replaces it; the box removes it.
    data["sms_gateway_token"] = ""
    assert client.post(reverse("office:messages_gateways"), data).status_code == 302
    assert SpaSettings.current().sms_gateway_token == "sk-very-secret-1"
    data["sms_gateway_token"] = "sk-very-secret-2"
    client.post(reverse("office:messages_gateways"), data)
    assert SpaSettings.current().sms_gateway_token == "sk-very-secret-2"
    client.post(
        reverse("office:messages_gateways"),
        {**data, "sms_gateway_token": "", "clear_sms_gateway_token": "on"},
    )
    assert SpaSettings.current().sms_gateway_token == ""
    entries = settings_entries()
    assert len(entries) == 3  # the blank post changed nothing
    stored = json.dumps([e.changes for e in entries])
    assert "sk-very-secret" not in stored and "secret:" not in stored
    assert entries[0].changes["sms_gateway_token"] == [None, "__secret_changed__"]
    assert entries[0].changes["sms_gateway_url"] == ["", gateway]
    assert entries[1].changes == {"sms_gateway_token": ["••••", "__secret_changed__"]}
    assert entries[2].changes == {"sms_gateway_token": ["••••", None]}
    history = client.get(reverse("office:history")).content.decode()
    assert "sk-very-secret" not in history and "đã đổi" in history


def test_the_smtp_password_is_stored_encrypted_and_never_shown(client, owner):
    from django.db import connection

    client.force_login(owner)
    response = client.post(reverse("office:messages_email"), {
        "smtp_host": "smtp.example.com", "smtp_port": "587", "smtp_user": "spa@example.com",
        "smtp_password": "p@ss-w0rd-xyz", "smtp_use_tls": "on", "smtp_from": "spa@example.com"})  # fmt: skip
    assert response.status_code == 302
    spa = SpaSettings.current()
    assert (spa.smtp_host, spa.smtp_password, spa.smtp_use_tls) == (
        "smtp.example.com",
        "p@ss-w0rd-xyz",
        True,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT smtp_password FROM accounts_spasettings WHERE id = 1")
        raw = cursor.fetchone()[0]
    assert raw.startswith("gAAAA") and "p@ss" not in raw
    page = client.get(reverse("office:messages_email")).content.decode()
    assert "p@ss-w0rd-xyz" not in page
    [entry] = settings_entries()
    assert "p@ss" not in json.dumps(entry.changes)
    assert entry.changes["smtp_password"] == [None, "__secret_changed__"]
    assert entry.changes["smtp_host"] == ["", "smtp.example.com"]


def test_a_mail_server_needs_a_sender_address(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("office:messages_email"), {"smtp_host": "smtp.example.com", "smtp_port": "587"}
    )
    assert response.status_code == 200 and "Hãy cho địa chỉ gửi e-mail" in response.content.decode()
    assert SpaSettings.current().smtp_host == ""


def test_the_sms_test_button_sends_through_the_gateway_and_shows_its_answer(client, owner, gateway):
    SpaSettings.objects.update_or_create(pk=1, defaults={
        "sms_gateway_url": gateway, "sms_gateway_token": "tok-1"})  # fmt: skip
    client.force_login(owner)
    response = client.post(
        reverse("office:messages_gateways_test"), {"channel": "sms", "phone": "0912 345 678"}
    )
    assert response.status_code == 200
    [(auth, body)] = FakeGateway.calls
    assert auth == "Bearer tok-1"
    assert body["channel"] == "sms" and body["to"] == "+84912345678"
    assert "Tin nhắn thử" in body["message"]
    result = response.content.decode().split('data-testid="test-result"')[1].split("</p>")[0]
    assert "Đã gửi tới +84912345678" in result and "200" in result and "msg-1" in result


def test_a_gateway_refusal_is_shown_in_vietnamese(client, owner, gateway):
    SpaSettings.objects.update_or_create(pk=1, defaults={"zalo_gateway_url": gateway})
    FakeGateway.status, FakeGateway.answer = 401, b"invalid token"
    client.force_login(owner)
    response = client.post(
        reverse("office:messages_gateways_test"), {"channel": "zalo", "phone": "0912345678"}
    )
    result = response.content.decode().split('data-testid="test-result"')[1].split("</p>")[0]
    assert "Cổng gửi từ chối tin nhắn (trả lời 401): invalid token" in result


def test_a_test_without_a_gateway_says_to_set_one_up(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("office:messages_gateways_test"), {"channel": "sms", "phone": "0912345678"}
    )
    assert "Chưa thiết lập cổng gửi cho kênh này" in response.content.decode()


def test_an_unreachable_gateway_is_explained(client, owner):
    SpaSettings.objects.update_or_create(
        pk=1, defaults={"sms_gateway_url": f"http://127.0.0.1:{free_port()}/"}
    )
    client.force_login(owner)
    response = client.post(
        reverse("office:messages_gateways_test"), {"channel": "sms", "phone": "0912345678"}
    )
    assert "Không kết nối được" in response.content.decode()


def test_a_wrong_phone_is_refused_before_anything_is_sent(client, owner, gateway):
    SpaSettings.objects.update_or_create(pk=1, defaults={"sms_gateway_url": gateway})
    client.force_login(owner)
    response = client.post(
        reverse("office:messages_gateways_test"), {"channel": "sms", "phone": "12"}
    )
    assert (
        response.status_code == 200
        and "không phải là số điện thoại hợp lệ" in response.content.decode()
    )
    assert FakeGateway.calls == []


def test_test_sends_are_rate_limited(client, owner, gateway, settings):
    settings.MESSAGE_TEST_RATE = "3/m"
    SpaSettings.objects.update_or_create(pk=1, defaults={"sms_gateway_url": gateway})
    client.force_login(owner)
    url = reverse("office:messages_gateways_test")
    codes = [
        client.post(url, {"channel": "sms", "phone": "0912345678"}).status_code for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert len(FakeGateway.calls) == 3
    assert (
        "Quá nhiều tin nhắn thử"
        in client.post(url, {"channel": "sms", "phone": "0912345678"}).content.decode()
    )


def test_the_email_test_goes_through_the_spas_own_smtp_server(client, owner, smtp_server):
    inbox, port = smtp_server
    SpaSettings.objects.update_or_create(pk=1, defaults={
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_use_tls": False, "smtp_from": "le-tan@hoasen.vn",
    })  # fmt: skip
    client.force_login(owner)
    response = client.post(reverse("office:messages_email_test"), {"email": "chu@example.com"})
    assert "Đã gửi tới chu@example.com" in response.content.decode()
    assert wait_for(lambda: inbox.messages, 5)
    [(to, content)] = inbox.messages
    assert to == ["chu@example.com"] and "From: le-tan@hoasen.vn" in content


def test_an_email_test_to_a_server_that_is_down_is_explained(client, owner):
    SpaSettings.objects.update_or_create(pk=1, defaults={
        "smtp_host": "127.0.0.1", "smtp_port": free_port(), "smtp_use_tls": False, "smtp_from": "a@hoasen.vn"})  # fmt: skip
    client.force_login(owner)
    response = client.post(reverse("office:messages_email_test"), {"email": "chu@example.com"})
    assert "Không kết nối được" in response.content.decode()


TEMPLATE = {"kind": "reminder", "channel": "sms", "language": "vi"}


def test_a_message_text_with_known_placeholders_is_saved_and_audited(client, owner):
    client.force_login(owner)
    body = "Chào {name}, hẹn bạn lúc {time} làm {service} tại {branch}."
    response = client.post(
        reverse("office:section_new", args=["message-texts"]), {**TEMPLATE, "body": body}
    )
    assert response.status_code == 302
    template = MessageTemplate.objects.get()
    assert (template.channel, template.language, template.body) == ("sms", "vi", body)
    assert settings_entries()[0].subject == f"booking.messagetemplate:{template.pk}"
    page = client.get(reverse("office:section", args=["message-texts"])).content.decode()
    assert "Nhắc lịch hẹn" in page and "Tiếng Việt" in page and "reminder" not in page


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("Chào {ten}", "{ten}"),
        ("Chào {name} {{ time }}", "Chỗ điền không rõ: {."),
        ("Chào {name", "{"),
    ],
)
def test_an_unknown_placeholder_is_an_error(client, owner, body, shown):
    client.force_login(owner)
    response = client.post(
        reverse("office:section_new", args=["message-texts"]), {**TEMPLATE, "body": body}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Chỗ điền không rõ" in page and shown in page
    assert not MessageTemplate.objects.exists() and not settings_entries()


def test_one_text_per_message_channel_and_language(client, owner):
    MessageTemplate.objects.create(**TEMPLATE, body="Chào {name}")
    client.force_login(owner)
    response = client.post(
        reverse("office:section_new", args=["message-texts"]), {**TEMPLATE, "body": "Hi {name}"}
    )
    assert (
        response.status_code == 200
        and "Đã có nội dung cho tin nhắn, kênh và ngôn ngữ này" in response.content.decode()
    )
    assert MessageTemplate.objects.count() == 1


def test_the_preview_fills_a_sample_appointment(client, owner, branch_a, catalogue):
    client.force_login(owner)
    form = client.get(reverse("office:section_new", args=["message-texts"])).content.decode()
    assert (
        f'data-hx-post="{reverse("office:messages_preview")}"' in form
        and 'id="template-preview"' in form
    )
    response = client.post(reverse("office:messages_preview"), {"body": "Chào {name}, {service} tại {branch}"},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    text = response.content.decode()
    assert 'data-testid="preview-text"' in text
    assert f"Chào Lan, {catalogue['facial'].name} tại {branch_a.name}" in text
    response = client.post(
        reverse("office:messages_preview"), {"body": "Chào {ten}"}, HTTP_HX_REQUEST="true"
    )
    assert (
        'data-testid="preview-error"' in response.content.decode()
        and "{ten}" in response.content.decode()
    )
