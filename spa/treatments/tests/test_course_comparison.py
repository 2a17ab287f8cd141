"""The course page compares two different sessions, and the client's PDF shows a photo
comparison only when there are photos to compare."""

import pytest
from django.urls import reverse
from django.utils import timezone

from spa.clients.tests.test_views_forms import jpeg_bytes
from spa.treatments.services import SessionInput, session_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def hoa(make_client):
    return make_client("Nguyễn Thị Hoa")


@pytest.fixture
def log(hoa, technician_a, catalogue):
    def log(photos=()):
        return session_log(actor=technician_a, data=SessionInput(
            client=hoa, branch=technician_a.branch, performed_at=timezone.now(),
            services=[catalogue["facial"]], technicians=[technician_a], photos=list(photos)))  # fmt: skip

    return log


def test_after_one_session_the_course_page_compares_nothing(client, owner, hoa, log):
    log(photos=[("before", jpeg_bytes())])
    client.force_login(owner)
    page = client.get(reverse("treatments:course", args=[hoa.pk]))
    assert "compare" not in page.context


def test_after_two_sessions_the_first_is_compared_with_the_last(client, owner, hoa, log):
    log(photos=[("before", jpeg_bytes())])
    log(photos=[("after", jpeg_bytes())])
    client.force_login(owner)
    compare = client.get(reverse("treatments:course", args=[hoa.pk])).context["compare"]
    assert (compare["a"].number, compare["b"].number) == (1, 2)


def test_the_pdf_has_no_photo_comparison_without_photos(client, owner, hoa, log):
    log()
    log()
    client.force_login(owner)
    response = client.get(reverse("treatments:course_pdf", args=[hoa.pk]))
    assert response.content.startswith(b"%PDF") and response.context["compare"] is None


def test_the_pdf_compares_photos_when_there_are_some(client, owner, hoa, log):
    log(photos=[("before", jpeg_bytes())])
    log(photos=[("after", jpeg_bytes())])
    client.force_login(owner)
    compare = client.get(reverse("treatments:course_pdf", args=[hoa.pk])).context["compare"]
    assert len(compare["a_photos"]) == 1 and compare["b_photos"][0][0] == "Sau khi làm"
