"""The desk's call lists: who owes what and since when (paid through the usual debt
payment), and packages with sessions left that expire soon or just did."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import statuses
from spa.sales.ledger import balance_of
from spa.sales.models import Account, LedgerEntry, Payment, PaymentPurpose
from spa.sales.selectors_lists import debt_since
from spa.sales.services import (
    Checkout,
    Line,
    checkout_issue,
    credit_note_issue,
    debt_pay,
    package_sale,
)
from spa.treatments.models import TreatmentPackage

pytestmark = pytest.mark.django_db
DEBTS = reverse("sales:debts")
EXPIRING = reverse("sales:expiring")


def owe(actor, client, branch, catalogue, amount_left: int):
    """An invoice of 450,000 with `amount_left` of it unpaid."""
    return checkout_issue(actor=actor, data=Checkout(client=client, branch=branch, lines=[
        Line(kind="service", description="Peel", unit_price=450_000, service=catalogue["facial"])],
        payments={"cash": 450_000 - amount_left} if amount_left < 450_000 else {}))  # fmt: skip


def _backdate(client, days: int) -> None:
    """Move the client's debt entries `days` into the past (they were made just now)."""
    LedgerEntry.objects.filter(client=client, account=Account.DEBT).update(
        at=timezone.now() - timedelta(days=days)
    )


def rows(http, user, url, **params) -> list[str]:
    http.force_login(user)
    response = http.get(url, params)
    assert response.status_code == 200
    return re.findall(r'data-testid="row-name">([^<]+)<', response.content.decode())


@pytest.fixture
def debtors(make_client, receptionist_a, receptionist_b, branch_a, branch_b, catalogue):
    hoa = make_client("Nguyễn Thị Hoa")
    owe(receptionist_a, hoa, branch_a, catalogue, 300_000)
    lan = make_client("Trần Thị Lan")
    owe(receptionist_a, lan, branch_a, catalogue, 100_000)
    paid = make_client("Lê Thị Mai")
    owe(receptionist_a, paid, branch_a, catalogue, 50_000)
    debt_pay(actor=receptionist_a, client=paid, branch=branch_a, amount=50_000)
    bich = make_client("Vũ Thị Bích", actor=receptionist_b)
    from spa.catalog.models import ServicePrice

    ServicePrice.objects.create(service=catalogue["facial"], branch=branch_b, price=450_000)
    owe(receptionist_b, bich, branch_b, catalogue, 400_000)
    return {"hoa": hoa, "lan": lan, "paid": paid, "bich": bich}


def test_debt_list_shows_who_owes_what_largest_first_in_the_managers_branch(
    client, manager_a, debtors
):
    assert rows(client, manager_a, DEBTS) == ["Nguyễn Thị Hoa", "Trần Thị Lan"]
    page = client.get(DEBTS).content.decode()
    assert "300.000" in page and "100.000" in page and "Vũ Thị Bích" not in page
    assert "2 khách đang nợ tổng cộng 400.000" in page


def test_owner_sees_every_branch_and_may_narrow_to_one(client, owner, debtors, branch_b):
    assert rows(client, owner, DEBTS) == ["Vũ Thị Bích", "Nguyễn Thị Hoa", "Trần Thị Lan"]
    assert rows(client, owner, DEBTS, branch=branch_b.pk) == ["Vũ Thị Bích"]
    assert len(rows(client, owner, DEBTS, branch="abc")) == 3  # ignored, not a 500


def test_debt_since_is_the_oldest_debt_not_yet_paid_off(
    client, manager_a, make_client, receptionist_a, branch_a, catalogue
):
    hoa = make_client("Nguyễn Thị Hoa")
    first = owe(receptionist_a, hoa, branch_a, catalogue, 100_000)
    _backdate(hoa, 40)
    owe(receptionist_a, hoa, branch_a, catalogue, 200_000)
    LedgerEntry.objects.filter(client=hoa, invoice__number__gt=first.number).update(
        at=timezone.now() - timedelta(days=10)
    )
    today = timezone.localdate()
    assert debt_since({hoa.pk: 300_000})[hoa.pk] == today - timedelta(days=40)
    # Paying 150,000 pays the oldest (100,000) and part of the next: owed since day -10.
    debt_pay(actor=receptionist_a, client=hoa, branch=branch_a, amount=150_000)
    assert debt_since({hoa.pk: 150_000})[hoa.pk] == today - timedelta(days=10)
    client.force_login(manager_a)
    page = client.get(DEBTS).content.decode()
    assert (today - timedelta(days=10)).strftime("%d/%m/%Y") in page


def test_a_credit_note_cancels_its_own_invoices_debt_not_the_oldest(
    make_client, receptionist_a, manager_a, branch_a, catalogue
):
    hoa = make_client("Nguyễn Thị Hoa")
    owe(receptionist_a, hoa, branch_a, catalogue, 100_000)
    _backdate(hoa, 40)
    second = owe(receptionist_a, hoa, branch_a, catalogue, 200_000)
    credit_note_issue(actor=manager_a, invoice=second, reason="Nhập nhầm")
    assert balance_of(hoa, Account.DEBT) == 100_000
    assert debt_since({hoa.pk: 100_000})[hoa.pk] == timezone.localdate() - timedelta(days=40)


def test_pay_from_the_list_goes_through_the_usual_debt_payment_and_comes_back(
    client, receptionist_a, debtors
):
    hoa = debtors["hoa"]
    client.force_login(receptionist_a)
    page = client.get(DEBTS).content.decode()
    assert reverse("sales:money_action", args=[hoa.pk, "debt"]) in page
    response = client.post(reverse("sales:money_action", args=[hoa.pk, "debt"]),
                           {"debt-amount": 120_000, "debt-method": "cash", "next": DEBTS})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == DEBTS
    assert balance_of(hoa, Account.DEBT) == 180_000
    payment = Payment.objects.get(client=hoa, purpose=PaymentPurpose.DEBT)
    assert payment.amount == 120_000 and payment.by == receptionist_a
    # Another site is never a destination: back to the client's money page.
    response = client.post(reverse("sales:money_action", args=[hoa.pk, "debt"]),
                           {"debt-amount": 1_000, "debt-method": "cash", "next": "//evil.example/"})  # fmt: skip
    assert response["Location"] == reverse("sales:money", args=[hoa.pk])


def test_debt_list_pages(client, manager_a, make_client, receptionist_a, branch_a, catalogue):
    from spa.sales.selectors_lists import debt_page

    for n in range(5):
        owe(receptionist_a, make_client(f"Khách Số {n}"), branch_a, catalogue, 10_000 * (n + 1))
    first = debt_page(user=manager_a, size=2)
    second = debt_page(user=manager_a, size=2, cursor=first.next_cursor)
    third = debt_page(user=manager_a, size=2, cursor=second.next_cursor)
    amounts = [r.balance.amount for p in (first, second, third) for r in p.rows]
    assert amounts == [50_000, 40_000, 30_000, 20_000, 10_000] and not third.next_cursor
    client.force_login(manager_a)
    assert 'data-testid="cursor-ignored"' in client.get(DEBTS, {"after": "junk"}).content.decode()


def test_debt_list_query_count_is_fixed(client, manager_a, make_client, receptionist_a, branch_a,
                                        catalogue, django_assert_max_num_queries):  # fmt: skip
    for n in range(8):
        owe(receptionist_a, make_client(f"Khách Số {n}"), branch_a, catalogue, 10_000 * (n + 1))
    client.force_login(manager_a)
    client.get(DEBTS)
    with django_assert_max_num_queries(8):
        assert client.get(DEBTS).status_code == 200


def test_list_matrix(client, people, debtors):
    allowed = [302, 200, 200, 200, 200, 200, 403, 403]
    assert statuses(client, people, DEBTS) == allowed
    assert statuses(client, people, EXPIRING) == allowed


# --- Expiring packages -----------------------------------------------------------------


@pytest.fixture
def cards(make_client, receptionist_a, receptionist_b, branch_a, branch_b, catalogue):
    today = timezone.localdate()

    def card(client, days: int, used: int = 0, actor=receptionist_a, branch=branch_a, total=5):
        package = package_sale(actor=actor, client=client, branch=branch, name=f"Thẻ {days}",
                               services=[catalogue["facial"]], total_sessions=total,
                               price=1_000_000, expires_on=today + timedelta(days=max(days, 1)))[0]  # fmt: skip
        TreatmentPackage.objects.filter(pk=package.pk).update(
            expires_on=today + timedelta(days=days), used_sessions=used
        )
        return package

    hoa, lan, mai = (
        make_client("Nguyễn Thị Hoa"),
        make_client("Trần Thị Lan"),
        make_client("Lê Thị Mai"),
    )
    card(hoa, 5)  # within 7
    card(lan, 25)  # within 30
    card(mai, 50)  # within 60
    card(mai, 3, used=5)  # used up: never listed
    card(lan, -3)  # expired 3 days ago, sessions left
    card(hoa, -45)  # expired 45 days ago
    bich = make_client("Vũ Thị Bích", actor=receptionist_b)
    card(bich, 4, actor=receptionist_b, branch=branch_b)
    return {"hoa": hoa, "lan": lan, "mai": mai, "bich": bich}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"days": 7}, ["Nguyễn Thị Hoa"]),
        ({}, ["Nguyễn Thị Hoa", "Trần Thị Lan"]),  # 30 days by default
        ({"days": 60}, ["Nguyễn Thị Hoa", "Trần Thị Lan", "Lê Thị Mai"]),
        ({"show": "expired", "days": 7}, ["Trần Thị Lan"]),
        ({"show": "expired", "days": 60}, ["Trần Thị Lan", "Nguyễn Thị Hoa"]),
        ({"days": "abc"}, ["Nguyễn Thị Hoa", "Trần Thị Lan"]),
        ({"days": "45"}, ["Nguyễn Thị Hoa", "Trần Thị Lan"]),
    ],
)
def test_expiring_packages_in_the_window_with_sessions_left(client, receptionist_a, cards, params,
                                                            expected):  # fmt: skip
    assert rows(client, receptionist_a, EXPIRING, **params) == expected


def test_expiring_list_shows_phone_sessions_left_and_links_to_the_course(client, receptionist_a,
                                                                         cards):  # fmt: skip
    client.force_login(receptionist_a)
    page = client.get(EXPIRING, {"days": 7}).content.decode()
    hoa = cards["hoa"]
    assert reverse("treatments:course", args=[hoa.pk]) in page
    assert hoa.primary_phone in page and "5 / 5" in page
    assert (timezone.localdate() + timedelta(days=5)).strftime("%d/%m/%Y") in page
    assert 'data-testid="days-ignored"' in client.get(EXPIRING, {"days": "45"}).content.decode()


def test_owner_sees_every_branch_on_the_expiring_list(client, owner, cards, branch_b):
    assert rows(client, owner, EXPIRING, days=7) == ["Vũ Thị Bích", "Nguyễn Thị Hoa"]
    assert rows(client, owner, EXPIRING, days=7, branch=branch_b.pk) == ["Vũ Thị Bích"]


def test_expiring_list_pages_and_query_count(client, manager_a, make_client, receptionist_a,
                                             branch_a, catalogue, django_assert_max_num_queries):  # fmt: skip
    from spa.sales.selectors_lists import expiring_page

    for n in range(5):
        package_sale(actor=receptionist_a, client=make_client(f"Khách Số {n}"), branch=branch_a,
                     name="Thẻ", services=[catalogue["facial"]], total_sessions=3, price=100_000,
                     expires_on=timezone.localdate() + timedelta(days=n + 1))  # fmt: skip
    seen, cursor = [], ""
    while True:
        page = expiring_page(user=manager_a, days=30, expired=False, cursor=cursor, size=2)
        seen += [p.client.full_name for p in page.packages]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [f"Khách Số {n}" for n in range(5)]
    client.force_login(manager_a)
    client.get(EXPIRING)
    with django_assert_max_num_queries(5):
        assert client.get(EXPIRING).status_code == 200
