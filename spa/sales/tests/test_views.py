import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import statuses
from spa.sales.ledger import balance_of
from spa.sales.models import Account, Invoice, Method
from spa.sales.services import Checkout, Line, checkout_issue, deposit_take, prepaid_top_up


@pytest.fixture
def people(owner, manager_a, manager_b, receptionist_a, receptionist_b, technician_a, technician_b):
    return {"anonymous": None, "owner": owner, "manager_a": manager_a, "manager_b": manager_b,
            "receptionist_a": receptionist_a, "receptionist_b": receptionist_b,
            "technician_a": technician_a, "technician_b": technician_b}  # fmt: skip


@pytest.fixture
def hoa(make_client, technician_a):
    from spa.clients.models import CareReason
    from spa.clients.services import care_link_add

    client = make_client("Nguyễn Thị Hoa")
    care_link_add(client=client, staff=technician_a, reason=CareReason.SERVED)
    return client


def test_money_pages_matrix(client, people, hoa, receptionist_a, catalogue, branch_a):
    invoice = checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=450_000, service=catalogue["facial"])]))  # fmt: skip
    expected = [302, 200, 200, 404, 200, 404, 403, 404]
    assert statuses(client, people, reverse("sales:money", args=[hoa.pk])) == expected
    assert statuses(client, people, reverse("sales:checkout", args=[hoa.pk])) == expected
    assert statuses(client, people, reverse("sales:package_new", args=[hoa.pk])) == expected
    assert statuses(client, people, reverse("sales:invoice", args=[invoice.pk])) == expected
    assert statuses(client, people, reverse("sales:report")) == [
        302,
        200,
        200,
        200,
        200,
        200,
        403,
        403,
    ]


def test_checkout_page_bills_the_session_and_leaves_the_rest_as_debt(
    client, receptionist_a, technician_a, hoa, catalogue, branch_a
):
    from spa.treatments.services import SessionInput, session_log

    session_log(actor=technician_a, data=SessionInput(client=hoa, branch=branch_a, performed_at=timezone.now(),
                                                      services=[catalogue["facial"]], technicians=[technician_a]))  # fmt: skip
    prepaid_top_up(actor=receptionist_a, client=hoa, branch=branch_a, paid=100_000)
    client.force_login(receptionist_a)
    page = client.get(reverse("sales:checkout", args=[hoa.pk])).content.decode()
    session_id = hoa.sessions.get().pk
    assert f'name="sessions" value="{session_id}"' in page
    response = client.post(reverse("sales:checkout", args=[hoa.pk]), {
        "sessions": [session_id], "products-TOTAL_FORMS": "0", "products-INITIAL_FORMS": "0",
        "prepaid": "100000", "cash": "150000",
    })  # fmt: skip
    invoice = Invoice.objects.get()
    assert response["Location"] == reverse("sales:invoice", args=[invoice.pk])
    assert (invoice.total, invoice.paid_at_issue, invoice.debt_created) == (
        450_000,
        250_000,
        200_000,
    )
    assert balance_of(hoa, Account.DEBT) == 200_000 and balance_of(hoa, Account.PREPAID) == 0
    # Billed once: the session is no longer waiting.
    assert (
        f'name="sessions" value="{session_id}"'
        not in client.get(reverse("sales:checkout", args=[hoa.pk])).content.decode()
    )
    receipt = client.get(
        reverse("sales:invoice", args=[invoice.pk]) + "?size=80mm"
    ).content.decode()
    assert "receipt-80mm" in receipt and "HD-A-000001" in receipt


def test_refused_checkout_says_why_in_vietnamese_and_saves_nothing(
    client, receptionist_a, hoa, catalogue
):
    client.force_login(receptionist_a)
    page = client.post(reverse("sales:checkout", args=[hoa.pk]), {
        "products-TOTAL_FORMS": "1", "products-INITIAL_FORMS": "0",
        "products-0-product": catalogue["sunscreen"].pk, "products-0-quantity": "1", "prepaid": "50000",
    }).content.decode()  # fmt: skip
    assert 'data-testid="checkout-error"' in page and not Invoice.objects.exists()


def test_money_actions_and_cash_report(client, receptionist_a, manager_a, hoa, catalogue, branch_a):
    client.force_login(receptionist_a)
    url = lambda action: reverse("sales:money_action", args=[hoa.pk, action])  # noqa: E731
    client.post(
        url("top_up"), {"top-amount": "5000000", "top-bonus": "500000", "top-method": "transfer"}
    )
    client.post(url("deposit"), {"deposit-amount": "300000", "deposit-method": "cash"})
    assert (
        balance_of(hoa, Account.PREPAID) == 5_500_000
        and balance_of(hoa, Account.DEPOSIT) == 300_000
    )
    checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=1_000_000, service=catalogue["facial"])],
        payments={Method.CASH: 400_000}))  # fmt: skip
    client.post(url("debt"), {"debt-amount": "600000", "debt-method": "prepaid"})
    assert balance_of(hoa, Account.DEBT) == 0 and balance_of(hoa, Account.PREPAID) == 4_900_000
    client.force_login(manager_a)
    report = client.get(reverse("sales:report")).content.decode()
    assert "5.000.000" in report  # prepaid sold (paid), by transfer
    assert "600.000" in report  # debt collected


def test_report_query_count_is_fixed(
    client, manager_a, receptionist_a, hoa, catalogue, branch_a, django_assert_max_num_queries
):
    for n in range(10):
        checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
            Line(kind="service", description="Peel", unit_price=100_000 + n, service=catalogue["facial"])],
            payments={Method.CARD: 50_000}))  # fmt: skip
    deposit_take(actor=receptionist_a, client=hoa, branch=branch_a, amount=10_000)
    client.force_login(manager_a)
    # 2 of them: the two-factor check for managers; 1 the spa's currency (once a request).
    with django_assert_max_num_queries(11):
        client.get(reverse("sales:report"))


def test_referral_reward_shows_on_both_profiles_with_a_printable_slip(
    client, receptionist_a, make_client, catalogue, branch_a
):
    mai = make_client("Trần Thị Mai")
    lan = make_client("Lê Thị Lan", referrer=mai)
    checkout_issue(actor=receptionist_a, data=Checkout(client=lan, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=450_000, service=catalogue["facial"])],
        payments={Method.CASH: 450_000}))  # fmt: skip
    client.force_login(receptionist_a)
    referrer_page = client.get(reverse("sales:money", args=[mai.pk])).content.decode()
    assert "Lê Thị Lan" in referrer_page and "Phiếu chi hoa hồng #1" in referrer_page
    assert "Trần Thị Mai" in client.get(reverse("sales:money", args=[lan.pk])).content.decode()
    from spa.sales.models import ReferralReward

    slip = client.get(
        reverse("sales:slip", args=[ReferralReward.objects.get().pk])
    ).content.decode()
    assert "200.000" in slip and "Trần Thị Mai" in slip
