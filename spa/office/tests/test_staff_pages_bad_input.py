"""The branch and staff settings pages under bad input: huge ids, wrong types, far-off
dates, 10,000 characters, missing fields. Never a server error, and a refused request
changes nothing (the product-wide check, run here on these pages only)."""

import pytest

from spa.booking.models import Closure, OpeningHours, Shift, StaffService, TimeOff
from tests.test_every_url_survives_bad_input import (
    HUGE,
    Requests,
    concrete,
    form_fields,
    http_for,
    url_patterns,
)
from tests.test_every_url_survives_bad_input import snapshot as watched_counts

pytestmark = pytest.mark.django_db

MINE = ("settings/branches/", "settings/staff/")
BAD = (HUGE, "x" * 10_000, "0001-01-01")


@pytest.fixture
def pages(people, technician_a, branch_a, catalogue):
    closure = Closure.objects.create(branch=branch_a, first_day="2030-01-01",
                                     last_day="2030-01-02", reason="Tết")  # fmt: skip
    time_off = TimeOff.objects.create(staff=technician_a, start="2030-01-01T08:00+07:00",
                                      end="2030-01-01T12:00+07:00")  # fmt: skip
    urls = []
    for path in url_patterns():
        if path.startswith(MINE):
            pk = branch_a.pk if path.startswith("settings/branches/") else technician_a.pk
            ids = {"pk": pk, "closure_id": closure.pk, "time_off_id": time_off.pk}
            urls.append((path, ids))
    for slug, pk in (("staff", technician_a.pk), ("branches", branch_a.pk)):
        urls += [(f"settings/s/{slug}/new/", {}), (f"settings/s/{slug}/{pk}/", {}),
                 (f"settings/s/{slug}/{pk}/active/", {})]  # fmt: skip
    return urls


def _counts():
    counts = watched_counts()
    for model in (Closure, OpeningHours, Shift, StaffService, TimeOff):
        counts[model.__name__] = model.objects.count()
    return counts


@pytest.fixture(autouse=True)
def watch_my_models(monkeypatch):
    import tests.test_every_url_survives_bad_input as product_check

    monkeypatch.setattr(product_check, "snapshot", _counts)


@pytest.mark.parametrize("role", ["anonymous", "owner", "manager_b", "receptionist_a"])
def test_huge_ids_and_empty_posts_never_cause_a_server_error(people, pages, role):
    run = Requests()
    http = http_for(role, people)
    for path, ids in pages:
        for huge in (False, True):
            url = concrete(path, ids, huge=huge)
            run(http, "get", url, f"GET {url} as {role}")
            run(http, "post", url, f"POST {url} as {role} (empty)")
    run.assert_none()


def test_malformed_form_posts_never_cause_a_server_error_or_half_save(people, pages):
    run, role = Requests(), "owner"
    http = http_for(role, people)
    for path, ids in pages:
        url = concrete(path, ids)
        page = http.get(url)
        html = page.status_code == 200 and page["Content-Type"].startswith("text/html")
        fields = form_fields(page.content.decode(errors="replace")) if html else {}
        for name in fields:
            for value in BAD:
                run(http, "post", url, f"POST {url} {name}={value[:20]!r} as {role}",
                    data={**fields, name: value})  # fmt: skip
    run.assert_none()
