import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import statuses
from spa.audit.models import Action, AuditEntry
from spa.catalog.selectors import stock_level
from spa.clients.models import CareReason
from spa.clients.services import care_link_add, client_health_update
from spa.clients.tests.test_views_forms import jpeg_bytes
from spa.treatments.models import GuardOverride, SessionPhoto, TreatmentSession
from spa.treatments.services import ProductUse, SessionInput, package_sell, session_log

MATRIX = {
    "session_new": [302, 200, 200, 404, 403, 404, 200, 404],
    "course": [302, 200, 200, 404, 200, 404, 200, 404],
    "course_pdf": [302, 200, 200, 404, 403, 404, 200, 404],
    "patch_test_new": [302, 200, 200, 404, 403, 404, 200, 404],
}


@pytest.fixture
def hoa(make_client, technician_a, aha):
    client = make_client("Nguyễn Thị Hoa")
    care_link_add(client=client, staff=technician_a, reason=CareReason.IN_CHARGE)
    client_health_update(actor=technician_a, client=client, values={"allergen_ids": [aha.pk]})
    return client


@pytest.mark.parametrize("page", sorted(MATRIX))
def test_permission_matrix(client, people, hoa, catalogue, page):
    assert statuses(client, people, reverse(f"treatments:{page}", args=[hoa.pk])) == MATRIX[page]


def form_data(catalogue, technician, **extra):
    data = {
        "performed_at": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
        "services": [catalogue["facial"].pk], "technicians": [technician.pk],
        "products-TOTAL_FORMS": "3", "products-INITIAL_FORMS": "0",
        "products-0-product": catalogue["peel"].pk, "products-0-quantity": "5", "products-0-batch": "L2026",
        "reaction": "Hơi đỏ", "result": "Da sáng hơn", "satisfaction": "5",
    }  # fmt: skip
    data.update(extra)
    return data


def test_technician_sees_the_allergy_before_the_form(client, technician_a, hoa, catalogue):
    client.force_login(technician_a)
    page = client.get(reverse("treatments:session_new", args=[hoa.pk])).content.decode()
    assert page.index('data-testid="health-panel"') < page.index("multipart/form-data")
    assert "AHA" in page


def test_blocked_session_needs_a_managers_password_and_reason(
    client, technician_a, manager_a, hoa, catalogue, branch_a
):
    client.force_login(technician_a)
    url = reverse("treatments:session_new", args=[hoa.pk])
    page = client.post(url, form_data(catalogue, technician_a)).content.decode()
    assert 'data-testid="guard"' in page and 'data-testid="override"' in page
    assert not TreatmentSession.objects.exists()

    wrong = client.post(url, form_data(catalogue, technician_a, override_username="mai",
                                       override_password="nope", override_reason="ok"))  # fmt: skip
    assert wrong.status_code == 200 and not TreatmentSession.objects.exists()

    ok = client.post(url, form_data(catalogue, technician_a, override_username="mai",
                                    override_password="pw", override_reason="Đã thử AHA 5% an toàn"))  # fmt: skip
    assert ok.status_code == 302
    logged = TreatmentSession.objects.get()
    assert GuardOverride.objects.get(session=logged).manager == manager_a
    assert stock_level(catalogue["peel"].pk, branch_a.pk) == Decimal("95")
    client.force_login(manager_a)
    history = client.get(reverse("clients:history", args=[hoa.pk])).content.decode()
    assert "Đã thử AHA 5% an toàn" in history


def test_photos_are_stripped_thumbnailed_and_served_only_with_access(
    client, technician_a, technician_b, receptionist_a, hoa, catalogue
):
    client.force_login(technician_a)
    before = io.BytesIO(jpeg_bytes(size=(1200, 900)))
    before.name = "before.jpg"
    data = form_data(catalogue, technician_a, **{"products-0-product": catalogue["cleanser"].pk})
    data["photos_before"] = [before]
    response = client.post(reverse("treatments:session_new", args=[hoa.pk]), data)
    assert response.status_code == 302
    photo = SessionPhoto.objects.get()
    with photo.image.open("rb") as f:
        assert not Image.open(f).getexif()
    url = reverse("treatments:photo", args=[photo.pk, "thumb"])
    assert client.get(url).status_code == 200
    client.force_login(receptionist_a)  # sees the client, but not health photos
    assert client.get(url).status_code == 403
    client.force_login(technician_b)
    assert client.get(url).status_code == 404


def test_course_page_query_count_does_not_grow_with_sessions(
    client, owner, hoa, technician_a, catalogue, django_assert_max_num_queries
):
    for _ in range(25):
        session_log(
            actor=technician_a, acknowledged=True,
            data=SessionInput(client=hoa, branch=technician_a.branch, performed_at=timezone.now(),
                              services=[catalogue["facial"]], technicians=[technician_a],
                              products=[ProductUse(catalogue["cleanser"], Decimal("1"))],
                              photos=[("before", jpeg_bytes(gps=False))]),
        )  # fmt: skip
    client.force_login(owner)
    with django_assert_max_num_queries(22):
        page = client.get(reverse("treatments:course", args=[hoa.pk]))
    assert page.content.decode().count('data-testid="session"') == 20


def test_course_pdf_for_the_client(client, owner, hoa, technician_a, catalogue):
    for _ in range(2):
        session_log(
            actor=technician_a,
            data=SessionInput(client=hoa, branch=technician_a.branch, performed_at=timezone.now(),
                              services=[catalogue["facial"]], technicians=[technician_a],
                              photos=[("before", jpeg_bytes()), ("after", jpeg_bytes())]),
        )  # fmt: skip
    client.force_login(owner)
    response = client.get(reverse("treatments:course_pdf", args=[hoa.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert len(response.content) > 3000


def test_package_sold_then_redeemed_through_the_pages(
    client, receptionist_a, technician_a, hoa, catalogue
):
    client.force_login(receptionist_a)
    response = client.post(reverse("sales:package_new", args=[hoa.pk]), {
        "name": "Peel 10 buổi", "services": [catalogue["facial"].pk], "total_sessions": "10",
        "price": "4000000", "paid_now": "2000000", "method": "card", "expires_on": "",
    })  # fmt: skip
    assert response.status_code == 302
    package = hoa.packages.get()
    assert AuditEntry.objects.filter(client_id=hoa.pk, action=Action.PACKAGE).exists()
    client.force_login(technician_a)
    data = form_data(
        catalogue,
        technician_a,
        package=package.pk,
        **{"products-0-product": catalogue["cleanser"].pk},
    )
    assert client.post(reverse("treatments:session_new", args=[hoa.pk]), data).status_code == 302
    package.refresh_from_db()
    assert package.used_sessions == 1
    page = client.get(reverse("clients:detail", args=[hoa.pk])).content.decode()
    assert "1/10" in page


def test_package_of_another_client_cannot_be_redeemed(
    client, technician_a, receptionist_a, hoa, make_client, catalogue, branch_a
):
    other = make_client("Trần Văn Nam")
    package = package_sell(actor=receptionist_a, client=other, branch=branch_a, name="P",
                           services=[catalogue["facial"]], total_sessions=3, price=1)  # fmt: skip
    client.force_login(technician_a)
    data = form_data(
        catalogue,
        technician_a,
        package=package.pk,
        **{"products-0-product": catalogue["cleanser"].pk},
    )
    response = client.post(reverse("treatments:session_new", args=[hoa.pk]), data)
    assert response.status_code == 200 and not TreatmentSession.objects.exists()
