"""The records of processing: live counts of what the installation holds, the places it
is stored and the outside services configured, and never a secret."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils.translation import gettext

from spa.accounts.models import SpaSettings
from spa.clients.services import client_consent_record

pytestmark = pytest.mark.django_db

S3 = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "hoasen-photos", "endpoint_url": "https://s3.hcm.example.vn",
                    "region_name": "vn-south", "access_key": "AKIAEXAMPLEKEY",
                    "secret_key": "s3-very-secret", "location": "private"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}  # fmt: skip


def _count(page: str, key: str) -> int:
    mark = f'data-testid="count-{key}">'
    return int(page.split(mark, 1)[1].split("<", 1)[0])


def test_the_page_counts_what_the_installation_holds(client, owner, make_client, receptionist_a):
    client.force_login(owner)
    page = client.get(reverse("privacy:processing")).content.decode()
    assert _count(page, "clients") == 0 and _count(page, "consents") == 0
    hoa = make_client("Nguyễn Thị Hoa")
    make_client("Trần Văn Nam")
    client_consent_record(actor=receptionist_a, client=hoa, channel="sms", granted=True,
                          method="paper")  # fmt: skip
    page = client.get(reverse("privacy:processing"))
    html = page.content.decode()
    assert _count(html, "clients") == 2 and _count(html, "phones") == 2
    assert _count(html, "consents") == 1
    assert _count(html, "staff") == 2  # the owner and the receptionist
    assert _count(html, "history") >= 3  # two creations and a consent
    consents = dict(page.context["consents"])
    assert sum(consents.values()) == 1


def test_retention_periods_come_from_settings_else_not_set(client, owner):
    client.force_login(owner)
    page = client.get(reverse("privacy:processing"))
    assert {c.retention for c in page.context["categories"]} == {gettext("Not set")}
    with override_settings(RETENTION_DAYS={"health": 1825, "invoices": 3650}):
        page = client.get(reverse("privacy:processing"))
    kept = {c.key: c.retention for c in page.context["categories"]}
    assert "1.825" in kept["health"] and "3.650" in kept["invoices"]
    assert kept["session_photos"] == gettext("Not set")


def test_configured_services_are_listed_without_their_secrets(client, owner, monkeypatch):
    spa = SpaSettings.current()
    spa.sms_gateway_url = "https://apiuser:gw-pass@sms.example.vn/send?token=qs-secret"
    spa.sms_gateway_token = "sms-token-secret"
    spa.zalo_gateway_url = "https://zalo.example.vn/oa"
    spa.zalo_gateway_token = "zalo-token-secret"
    spa.smtp_host = "smtp.hoasen.vn"
    spa.smtp_user = "mailer"
    spa.smtp_password = "smtp-pass-secret"
    spa.save()
    monkeypatch.setitem(settings.DATABASES["default"], "PASSWORD", "db-pass-secret")
    client.force_login(owner)
    with override_settings(STORAGES=S3):
        html = client.get(reverse("privacy:processing")).content.decode()
    for shown in ("sms.example.vn", "zalo.example.vn", "smtp.hoasen.vn", "hoasen-photos",
                  "s3.hcm.example.vn", "vn-south"):  # fmt: skip
        assert shown in html, shown
    for secret in ("gw-pass", "qs-secret", "sms-token-secret", "zalo-token-secret",
                   "smtp-pass-secret", "db-pass-secret", "s3-very-secret", "AKIAEXAMPLEKEY"):  # fmt: skip
        assert secret not in html, secret


def test_the_database_and_the_photo_folder_are_named(client, owner):
    client.force_login(owner)
    page = client.get(reverse("privacy:processing"))
    places = [p.where for p in page.context["places"]]
    engine = "PostgreSQL" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "SQLite"
    assert engine in places[0]
    assert str(settings.STORAGES["default"]["OPTIONS"]["location"]) in places[1]
    # The test settings send e-mail to memory: no outside service at all.
    assert page.context["services"] == []


def test_the_page_has_a_print_stylesheet(client, owner):
    client.force_login(owner)
    html = client.get(reverse("privacy:processing")).content.decode()
    assert "privacy/privacy.css" in html and "data-print" in html
    css = (settings.BASE_DIR / "spa/privacy/static/privacy/privacy.css").read_text()
    assert "@media print" in css
