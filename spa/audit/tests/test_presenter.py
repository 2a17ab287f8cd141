"""The history reads as sentences a manager understands: labels, not field names;
tier names, dates and money, not codes, ISO dates and dicts."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from spa.audit.presenter import change_label, format_value
from spa.clients.services import client_update
from spa.sales.services import Checkout, Line, checkout_issue

pytestmark = pytest.mark.django_db


def test_values_are_formatted_by_type():
    assert change_label("full_name") == "Họ và tên"
    assert change_label("tier") == "Hạng thẻ"
    assert format_value("tier", "gold") == "Vàng"
    assert format_value("birth_date", "1990-03-07") == "07/03/1990"
    assert format_value("preferred_channel", "zalo") == "Zalo"
    assert format_value("tags", []) == "—" and format_value("notes", None) == "—"
    assert format_value("invoice", {"code": "HD-Q1-000035", "total": 2_350_000}) == (
        "số: HD-Q1-000035; tổng cộng: 2.350.000\u00a0₫"
    )


def test_the_history_page_shows_no_raw_codes(client, make_client, manager_a, receptionist_a,
                                             catalogue, branch_a):  # fmt: skip
    hoa = make_client("Nguyễn Thị Hoa")
    client_update(actor=receptionist_a, client=hoa, fields={
        "birth_date": date(1990, 3, 7), "preferred_channel": "zalo", "language": "en"})  # fmt: skip
    checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=2_350_000, service=catalogue["facial"])],
        payments={"cash": 350_000}))  # fmt: skip
    client.force_login(manager_a)
    page = client.get(reverse("clients:history", args=[hoa.pk])).content.decode()
    for raw in ("full_name", "birth_date", "preferred_channel", "1990-03-07", "{'", "None",
                ">zalo<", ">en<", "2350000"):  # fmt: skip
        assert raw not in page, raw
    assert "07/03/1990" in page and "2.350.000\u00a0₫" in page and "Ngày sinh" in page
    assert timezone.localdate().strftime("%d/%m/%Y") in page
