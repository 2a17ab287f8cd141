"""The malformed inputs that used to answer 500: each now gets a clear answer in the
user's language (a form error, 400 or 404), with nothing saved."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from spa.clients.models import CareReason, ClientHealth
from spa.clients.services import care_link_add
from spa.sales.models import Deposit
from spa.sales.services import deposit_take
from spa.treatments.models import TreatmentPackage

pytestmark = pytest.mark.django_db
HUGE = "9" * 22


@pytest.fixture
def hoa(make_client, technician_a):
    client = make_client("Nguyễn Thị Hoa")
    care_link_add(client=client, staff=technician_a, reason=CareReason.SERVED)
    return client


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-31", "abc"])
def test_dates_out_of_range_show_today_instead(client, owner, branch_a, day):
    client.force_login(owner)
    for name in ("booking:day", "booking:week", "sales:report"):
        assert client.get(reverse(name), {"date": day}).status_code == 200


def test_non_numbers_where_an_id_is_expected(client, receptionist_a, hoa, branch_a, catalogue):
    client.force_login(receptionist_a)
    assert client.get(reverse("booking:book", args=[hoa.pk]), {"service": "abc"}).status_code == 200
    deposit = deposit_take(actor=receptionist_a, client=hoa, branch=branch_a, amount=100_000)
    response = client.post(
        reverse("sales:money_action", args=[hoa.pk, "forfeit"]), {"deposit": "abc"}
    )
    assert response.status_code == 404
    assert Deposit.objects.get(pk=deposit.pk).state == Deposit.State.HELD


def test_huge_numbers_in_urls_and_forms(client, receptionist_a, technician_a, hoa, catalogue):
    client.force_login(technician_a)
    assert (
        client.get(
            reverse("treatments:course", args=[hoa.pk]), {"page": HUGE, "a": HUGE}
        ).status_code
        == 200
    )
    assert client.get(f"/clients/{HUGE}/").status_code == 404
    health = client.post(reverse("clients:health", args=[hoa.pk]), {"allergens": [HUGE]})
    assert health.status_code == 200 and not ClientHealth.objects.filter(client=hoa).exists()
    client.force_login(receptionist_a)
    package = client.post(reverse("sales:package_new", args=[hoa.pk]), {
        "name": "Peel", "services": [catalogue["facial"].pk], "total_sessions": HUGE, "price": HUGE,
        "paid_now": HUGE, "method": "cash"})  # fmt: skip
    assert package.status_code == 200 and not TreatmentPackage.objects.exists()
    book = client.post(reverse("booking:book", args=[hoa.pk]), {"services": [HUGE], "day": "01/01/2030",
                                                               "time": "10:00", "technician": HUGE})  # fmt: skip
    assert book.status_code == 200


@pytest.mark.parametrize(
    "target", ["clients:search", "foo bar", "javascript:alert(1)", "//evil.example/", ""]
)
def test_language_switch_goes_back_only_to_a_path_of_this_site(client, receptionist_a, target):
    client.force_login(receptionist_a)
    response = client.post(reverse("accounts:language"), {"language": "en", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_nul_character_is_a_bad_request_in_the_users_language(client, receptionist_a):
    client.force_login(receptionist_a)
    response = client.get(reverse("clients:search"), {"q": "Hoa\x00"})
    assert response.status_code == 400 and "Không đọc được" in response.content.decode()


def test_a_decompression_bomb_is_refused_as_a_bad_photo(client, receptionist_a, hoa):
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")  # a few kB claiming 400 M pixels
    upload = io.BytesIO(out.getvalue())
    upload.name = "bomb.png"
    client.force_login(receptionist_a)
    response = client.post(reverse("clients:photo_upload", args=[hoa.pk]), {"photo": upload})
    assert response.status_code == 200
    hoa.refresh_from_db()
    assert not hoa.photo


def test_a_nul_in_the_path_and_odd_digits_are_not_server_errors(client, branch_a):
    assert client.get("/calendar/feed/a%00b.ics").status_code == 400
    confirm = reverse("public_booking:confirm", args=[branch_a.code])
    assert client.get(confirm, {"service": "²"}).status_code == 404
