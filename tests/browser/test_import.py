"""The owner brings a messy workbook in, in Vietnamese at phone width: uploads it, fixes
one column, reviews a pair of the same person and says they are two people, imports,
and opens an imported client. The worker's tasks run in-line (huey's immediate mode)."""

import pytest
from huey.contrib.djhuey import HUEY

from spa.clients.models import Client
from spa.imports.models import ImportJob, ImportRow, JobState
from spa.imports.tests.messy import client_workbook

from .pages import log_in
from .test_front_desk import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTH = 360


@pytest.fixture
def inline_worker():
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def test_the_owner_imports_a_workbook_fixing_a_column_and_a_pair(
    browser, live_server, owner, branch_a, make_client, inline_worker, tmp_path
):
    make_client("Trần Thu Hà", phone="0903111222", branch=branch_a, actor=owner)
    data, truth = client_workbook()
    path = tmp_path / "khach-hang.xlsx"
    path.write_bytes(data)
    context = browser.new_context(viewport={"width": WIDTH, "height": 780}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, live_server, owner.username)
    page.goto(f"{live_server.url}/settings/")
    page.click("a[href='/imports/']")
    page.set_input_files("input[type=file]", str(path))
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_selector("[data-testid=mapping-form]")
    _fits(page)
    shot(page, "import-columns")
    job = ImportJob.objects.get()
    address = job.sheets[0]["headers"].index("Địa chỉ")
    page.select_option(f"[data-testid=col-0-{address}]", "")
    page.click("[data-testid=run-dry]")
    page.wait_for_selector("[data-testid=counts]")
    assert page.inner_text("[data-testid=count-total]") == str(len(truth))
    page.click("[data-testid=show-pairs]")
    row = ImportRow.objects.get(job=job, row_number=7)
    pair = page.locator(f"#row-{row.pk}")
    pair.locator("[data-testid=separate]").click()
    pair = page.locator(f"#row-{row.pk}")
    pair.locator("[data-testid=same]").wait_for()  # the row swapped by htmx
    _fits(page)
    shot(page, "import-pairs")
    page.click("[data-testid=commit]")
    page.wait_for_selector("[data-testid=report]")
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED
    hoa_row = ImportRow.objects.get(job=job, row_number=6)
    page.goto(f"{live_server.url}/imports/{job.pk}/?show=new")
    page.click(f"#row-{hoa_row.pk} [data-testid=client-link]")
    page.wait_for_url(f"**/clients/{hoa_row.client_id}/")
    assert "Nguyễn Thị Hoa" in page.inner_text("main")
    _fits(page)
    shot(page, "import-client")
    hoa = Client.objects.get(pk=hoa_row.client_id)
    assert hoa.address == ""  # the column the owner chose not to import
    row.refresh_from_db()
    assert row.client_id != hoa.pk  # the pair the owner said were two people
    context.close()
