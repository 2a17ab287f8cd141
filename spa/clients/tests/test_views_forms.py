import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from spa.audit.models import Action, AuditEntry
from spa.clients.models import Client, ClientHealth, ClientPhone


def jpeg_bytes(size=(64, 48), gps=True) -> bytes:
    """A JPEG carrying EXIF GPS data, as a phone camera writes it."""
    image = Image.new("RGB", size, (200, 120, 140))
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)}
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


NEW = {"full_name": "Nguyễn Thị Hoa", "phone": "0912 345 678"}


def test_receptionist_creates_a_client_with_name_and_phone_only(client, receptionist_a):
    client.force_login(receptionist_a)
    response = client.post(reverse("clients:new"), {**NEW, "branch": receptionist_a.branch_id})
    created = Client.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "clients:detail", args=[created.pk]
    )
    assert created.branch == receptionist_a.branch
    page = client.get(response["Location"]).content.decode()
    assert (
        "Nguyễn Thị Hoa" in page and "Hỏi ngày sinh" in page
    )  # progressive profiling, in Vietnamese


def test_receptionist_cannot_create_a_client_in_another_branch(client, receptionist_a, branch_b):
    client.force_login(receptionist_a)
    response = client.post(reverse("clients:new"), {**NEW, "branch": branch_b.pk})
    assert response.status_code == 200 and not Client.objects.exists()


def test_same_phone_shows_the_existing_profile_and_needs_explicit_confirmation(
    client, receptionist_a, make_client
):
    mother = make_client("Trần Thị Lan", phone="0912345678")
    client.force_login(receptionist_a)
    data = {
        "full_name": "Trần Ngọc Mai",
        "phone": "+84912345678",
        "branch": receptionist_a.branch_id,
    }
    page = client.post(reverse("clients:new"), data).content.decode()
    assert "Trần Thị Lan" in page and reverse("clients:detail", args=[mother.pk]) in page
    assert Client.objects.count() == 1
    response = client.post(reverse("clients:new"), {**data, "confirm_different": "on"})
    assert response.status_code == 302 and Client.objects.count() == 2
    assert ClientPhone.objects.filter(e164="+84912345678").count() == 2


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("phone", "0912", "không phải là số điện thoại hợp lệ"),
        ("phone", "abc-def", "không phải là số điện thoại hợp lệ"),
        ("full_name", "<script>alert(1)</script>", "Tên chỉ được chứa chữ cái"),
        ("full_name", "Hoa 123", "Tên chỉ được chứa chữ cái"),
        ("birth_date", "31/02/1990", "Nhập một ngày hợp lệ"),
        ("birth_date", "01/01/2199", "Nhập ngày sinh thật"),
        ("email", "hoa@", "Nhập địa chỉ email"),
    ],
)
def test_bad_input_is_explained_in_vietnamese_and_nothing_is_saved(
    client, receptionist_a, field, value, message
):
    client.force_login(receptionist_a)
    data = {**NEW, "branch": receptionist_a.branch_id, field: value}
    response = client.post(reverse("clients:new"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Client.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    "language, message",
    [("en", "is not a valid phone number"), ("zh-hans", "不是有效的电话号码")],
)
def test_errors_follow_the_users_language(client, receptionist_a, language, message):
    receptionist_a.language = language
    receptionist_a.save()
    client.force_login(receptionist_a)
    response = client.post(
        reverse("clients:new"), {**NEW, "phone": "0912", "branch": receptionist_a.branch_id}
    )
    assert message in response.content.decode()


def test_vietnamese_dates_are_read_and_shown_day_first(client, receptionist_a):
    client.force_login(receptionist_a)
    client.post(
        reverse("clients:new"),
        {**NEW, "branch": receptionist_a.branch_id, "birth_date": "05/04/1990"},
    )
    created = Client.objects.get()
    assert created.birth_date.isoformat() == "1990-04-05"
    assert "05/04/1990" in client.get(reverse("clients:detail", args=[created.pk])).content.decode()


def test_receptionist_adds_an_allergy_and_it_is_audited(client, receptionist_a, make_client, aha):
    hoa = make_client()
    client.force_login(receptionist_a)
    response = client.post(
        reverse("clients:health", args=[hoa.pk]), {"allergens": [aha.pk], "allergy_notes": "Tôm"}
    )
    assert response.status_code == 302
    assert ClientHealth.objects.get(client=hoa).values()["allergen_ids"] == [aha.pk]
    assert AuditEntry.objects.filter(
        client_id=hoa.pk, action=Action.HEALTH, actor=receptionist_a
    ).exists()


def test_receptionist_cannot_write_other_health_fields_by_forging_the_form(
    client, receptionist_a, make_client
):
    hoa = make_client()
    client.force_login(receptionist_a)
    client.post(
        reverse("clients:health", args=[hoa.pk]), {"conditions": "forged", "allergy_notes": ""}
    )
    assert ClientHealth.objects.get(client=hoa).values()["conditions"] == ""


def test_photo_upload_strips_location_and_makes_a_thumbnail(client, receptionist_a, make_client):
    hoa = make_client()
    client.force_login(receptionist_a)
    upload = io.BytesIO(jpeg_bytes(size=(2000, 1500)))
    upload.name = "camera.jpg"
    response = client.post(reverse("clients:photo_upload", args=[hoa.pk]), {"photo": upload})
    assert response.status_code == 302
    hoa.refresh_from_db()
    with hoa.photo.open("rb") as f:
        stored = Image.open(f)
        stored.load()
        assert not stored.getexif() and max(stored.size) <= 1600
    with hoa.photo_thumb.open("rb") as f:
        assert max(Image.open(f).size) <= 240
    assert AuditEntry.objects.filter(client_id=hoa.pk, action=Action.PHOTO).exists()


@override_settings(CLIENT_PHOTO_MAX_BYTES=1000)
def test_oversized_photo_is_refused_with_a_message(client, receptionist_a, make_client):
    hoa = make_client()
    client.force_login(receptionist_a)
    upload = io.BytesIO(jpeg_bytes(size=(400, 400)))
    upload.name = "big.jpg"
    page = client.post(
        reverse("clients:photo_upload", args=[hoa.pk]), {"photo": upload}
    ).content.decode()
    assert "Ảnh quá lớn" in page
    hoa.refresh_from_db()
    assert not hoa.photo


def test_a_file_that_is_not_a_picture_is_refused(client, receptionist_a, make_client):
    hoa = make_client()
    client.force_login(receptionist_a)
    upload = io.BytesIO(b"%PDF-1.4 not an image")
    upload.name = "x.jpg"
    page = client.post(
        reverse("clients:photo_upload", args=[hoa.pk]), {"photo": upload}
    ).content.decode()
    assert "không phải là ảnh" in page


def test_search_page_answers_htmx_with_the_results_partial(client, receptionist_a, make_client):
    make_client("Nguyễn Thị Hoa", phone="0912345678")
    client.force_login(receptionist_a)
    response = client.get(
        reverse("clients:search"), {"q": "nguyen thi hoa"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "<html" not in body and "Nguyễn Thị Hoa" in body and "0912 *** 678" in body


def test_search_results_page_runs_a_fixed_number_of_queries(
    client, receptionist_a, make_client, django_assert_max_num_queries
):
    for i in range(15):
        make_client(f"Nguyễn Thị Hoa {'ABCDEFGHIJKLMNO'[i]}")
    client.force_login(receptionist_a)
    with django_assert_max_num_queries(6):
        client.get(reverse("clients:search"), {"q": "nguyen thi hoa"}, HTTP_HX_REQUEST="true")


def test_manager_merges_two_profiles_through_the_page(client, manager_a, make_client):
    keep, dup = make_client("Nguyễn Thị Hoa"), make_client("Nguyen Thi Hoa", email="h@example.com")
    client.force_login(manager_a)
    url = reverse("clients:merge", args=[keep.pk])
    assert "Nguyen Thi Hoa" in client.get(url, {"q": "nguyen thi hoa"}).content.decode()
    response = client.post(url, {"other": dup.pk, "confirm": "yes"})
    assert response.status_code == 302
    dup.refresh_from_db()
    keep.refresh_from_db()
    assert dup.merged_into_id == keep.pk and keep.email == "h@example.com"
    assert client.get(reverse("clients:detail", args=[dup.pk]))["Location"] == reverse(
        "clients:detail", args=[keep.pk]
    )


def test_owner_erases_a_profile_after_typing_its_name(client, owner, make_client):
    hoa = make_client()
    client.force_login(owner)
    url = reverse("clients:delete", args=[hoa.pk])
    client.post(url, {"reason": "Yêu cầu của khách", "confirm_name": "sai tên"})
    assert Client.objects.filter(pk=hoa.pk).exists()
    client.post(url, {"reason": "Yêu cầu của khách", "confirm_name": "nguyễn thị hoa"})
    assert not Client.objects.filter(pk=hoa.pk).exists()


def test_language_switch_is_saved_on_the_account(client, receptionist_a):
    client.force_login(receptionist_a)
    client.post(reverse("accounts:language"), {"language": "zh-hans", "next": "/clients/"})
    receptionist_a.refresh_from_db()
    assert receptionist_a.language == "zh-hans"
    assert "查找" in client.get(reverse("clients:search")).content.decode()


@pytest.mark.parametrize(
    "language, word", [("vi", "Đăng nhập"), ("en", "Log in"), ("zh-hans", "登录")]
)
def test_login_page_in_each_language(client, owner, language, word):
    client.cookies["django_language"] = language
    assert word in client.get(reverse("accounts:login")).content.decode()


def test_login_page_defaults_to_vietnamese_whatever_the_browser_says(client, owner):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "Đăng nhập" in page


def test_key_rotation_re_encrypts_with_the_new_key(make_client, technician_a, settings):
    from cryptography.fernet import Fernet

    hoa = make_client()
    from spa.clients.services import client_health_update

    client_health_update(actor=technician_a, client=hoa, values={"conditions": "Hen suyễn"})
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
    call_command("rotate_field_keys", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # old key retired
    assert ClientHealth.objects.get(client=hoa).values()["conditions"] == "Hen suyễn"
    assert (
        AuditEntry.objects.get(action=Action.HEALTH).sensitive_changes["conditions"][1]
        == "Hen suyễn"
    )
