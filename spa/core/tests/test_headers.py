"""Every answer carries a Content-Security-Policy without inline script, is kept out of
caches, says what referrer and browser features it allows; there is a favicon."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_pages_with_client_data_carry_policy_and_no_store(client, make_client, receptionist_a):
    hoa = make_client("Nguyễn Thị Hoa")
    client.force_login(receptionist_a)
    for url in (reverse("clients:detail", args=[hoa.pk]), reverse("clients:search"),
                reverse("accounts:login")):  # fmt: skip
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_the_camera_is_allowed_only_where_photos_are_taken(client, make_client, technician_a):
    from spa.clients.models import CareReason
    from spa.clients.services import care_link_add

    hoa = make_client("Nguyễn Thị Hoa")
    care_link_add(client=hoa, staff=technician_a, reason=CareReason.SERVED)
    client.force_login(technician_a)
    page = client.get(reverse("treatments:session_new", args=[hoa.pk]))
    assert "camera=(self)" in page["Permissions-Policy"]


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for path in list(ROOT.glob("templates/**/*.html")) + list(
        ROOT.glob("spa/*/templates/**/*.html")
    ):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.django_db
def test_there_is_a_favicon(client, owner):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'rel="icon"' in page
    assert client.get("/favicon.ico").status_code == 301


@pytest.mark.django_db
def test_photo_files_are_not_cached_either(client, make_client, receptionist_a):
    from spa.clients.services import client_photo_set
    from spa.clients.tests.test_views_forms import jpeg_bytes

    hoa = make_client("Nguyễn Thị Hoa")
    client_photo_set(actor=receptionist_a, client=hoa, data=jpeg_bytes())
    client.force_login(receptionist_a)
    response = client.get(reverse("clients:photo", args=[hoa.pk, "thumb"]))
    assert response.status_code == 200
    assert (
        "no-store" in response["Cache-Control"] and "max-age=300" not in response["Cache-Control"]
    )
