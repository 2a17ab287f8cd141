"""Money owed: debts aged with payments clearing the oldest first; what the spa still
owes in service."""

from datetime import timedelta

from django.utils import timezone

from spa.reports.rollups import rollups_refresh
from spa.reports.selectors import Scope, debts_ageing, liabilities
from spa.sales.models import LedgerEntry, LineKind
from spa.sales.services import Checkout, Line, checkout_issue, debt_pay, prepaid_top_up
from spa.treatments.services import package_sell


def owe(actor, client, service, amount):
    """An invoice of `amount` left wholly unpaid."""
    return checkout_issue(actor=actor, data=Checkout(client=client, branch=client.branch, lines=[
        Line(kind=LineKind.SERVICE, description=service.name, unit_price=amount, service=service)]))  # fmt: skip


def test_debts_are_aged_by_when_they_were_left_and_payments_clear_the_oldest_first(
    make_client, receptionist_a, receptionist_b, catalogue, branch_b
):
    hoa = make_client("Nguyễn Thị Hoa")
    for days, amount in ((120, 300_000), (60, 200_000), (5, 100_000)):
        invoice = owe(receptionist_a, hoa, catalogue["facial"], amount)
        LedgerEntry.objects.filter(invoice=invoice).update(at=timezone.now() - timedelta(days=days))
    debt_pay(
        actor=receptionist_a, client=hoa, branch=hoa.branch, amount=350_000
    )  # the oldest, and half the next
    other = make_client("Lê Thị Mai", actor=receptionist_b)
    owe(receptionist_b, other, catalogue["facial"], 999_000)

    rollups_refresh()
    mine = debts_ageing(Scope(branch_ids=(hoa.branch_id,)))
    assert mine == {"bands": {"0_30": 100_000, "31_90": 150_000, "90_plus": 0}, "total": 250_000,
                    "clients": 1}  # fmt: skip
    chain = debts_ageing(Scope())
    assert chain["total"] == 250_000 + 999_000 and chain["bands"]["0_30"] == 100_000 + 999_000
    assert debts_ageing(Scope(branch_ids=()))["total"] == 0


def test_prepaid_and_unused_package_sessions_are_what_the_spa_still_owes(
    make_client, receptionist_a, catalogue, branch_a
):
    hoa = make_client("Nguyễn Thị Hoa")
    prepaid_top_up(actor=receptionist_a, client=hoa, branch=branch_a, paid=2_000_000, bonus=200_000)
    today = timezone.localdate()
    package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Peel 10 buổi",
                 services=[catalogue["facial"]], total_sessions=10, price=4_000_000,
                 expires_on=today + timedelta(days=20))  # fmt: skip
    old = package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Laser 5 buổi",
                       services=[catalogue["laser"]], total_sessions=5, price=3_000_000,
                       expires_on=today + timedelta(days=200))  # fmt: skip
    type(old).objects.filter(pk=old.pk).update(
        expires_on=today - timedelta(days=1), used_sessions=2
    )

    owed = liabilities(Scope(branch_ids=(branch_a.pk,)))
    assert owed["prepaid"] == 2_200_000 and owed["prepaid_clients"] == 1
    assert (owed["packages"]["n"], owed["packages"]["sessions"], owed["packages"]["value"]) == (
        1,
        10,
        4_000_000,
    )
    assert owed["packages"]["soon30"] == 4_000_000  # expires in 20 days
    assert (owed["packages"]["lost_sessions"], owed["packages"]["lost"]) == (
        3,
        1_800_000,
    )  # breakage
    assert owed["total"] == 2_200_000 + 4_000_000
