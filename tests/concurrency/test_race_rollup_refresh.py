"""Sales and report readers at the same moment: every checkout marks its day, several
refreshes run at once (the worker's, inline here, and each report page's), and in the
end the rollups still equal the raw rows — no bucket counted twice or lost."""

import threading

import pytest
import requests

from spa.reports import rollups
from spa.reports.models import ClientMark, DayMark
from spa.reports.tests.test_rollups import _raw_sales, _rolled_sales
from spa.sales.models import Invoice

from .conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_checkouts_and_report_reads_leave_rollups_equal_to_the_raw_rows(
    live_server, make_client, receptionist_a, manager_a, owner, catalogue
):
    clients = [make_client(f"Khách số {n}") for n in range(6)]
    catalogue["sunscreen"].retail_price = 390_000
    catalogue["sunscreen"].save()
    sellers = [logged_in(live_server, [receptionist_a, manager_a][i % 2],
                         f"/sales/clients/{c.pk}/checkout/") for i, c in enumerate(clients)]  # fmt: skip
    readers = [logged_in(live_server, owner, "/reports/revenue/") for _ in range(3)]
    barrier = threading.Barrier(len(sellers) + len(readers))
    codes: list[int] = []

    def sell(i):
        http, token = sellers[i]
        path = f"/sales/clients/{clients[i].pk}/checkout/"
        barrier.wait()
        codes.append(http.post(f"{live_server.url}{path}", timeout=60, allow_redirects=False,
                               headers={"Referer": f"{live_server.url}{path}"},
                               data={"csrfmiddlewaretoken": token, "products-TOTAL_FORMS": "1",
                                     "products-INITIAL_FORMS": "0",
                                     "products-0-product": catalogue["sunscreen"].pk,
                                     "products-0-quantity": "1", "cash": "390000"}).status_code)  # fmt: skip

    def read(i):
        http, _token = readers[i]
        barrier.wait()
        for _ in range(3):
            codes.append(http.get(f"{live_server.url}/reports/revenue/", timeout=60).status_code)

    threads = [threading.Thread(target=sell, args=(i,)) for i in range(len(sellers))]
    threads += [threading.Thread(target=read, args=(i,)) for i in range(len(readers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(set(codes)) == [200, 302] and codes.count(302) == len(clients)
    assert Invoice.objects.count() == len(clients)
    rollups.rollups_refresh()
    assert not DayMark.objects.exists() and not ClientMark.objects.exists()
    assert _rolled_sales() == _raw_sales()
    page = requests.Session()
    page.cookies = readers[0][0].cookies
    assert "2.340.000" in page.get(f"{live_server.url}/reports/revenue/", timeout=60).text
