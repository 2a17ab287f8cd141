"""Every main page fits a 360 px phone: nothing scrolls sideways, the menu takes one
compact row, and a screenshot of each page (per role) is kept in var/screenshots/ for
a person to look at."""

from pathlib import Path

import pytest
from django.conf import settings

from .pages import log_in, main_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
WIDTH = 360


@pytest.fixture
def narrow_page(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 780}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.mark.parametrize("role", ["owner", "receptionist_a", "technician_a"])
def test_every_main_page_fits_a_360px_phone(narrow_page, live_server, spa, role):
    page = narrow_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server, spa["people"][role].username)
    problems, opened = [], 0
    for name, path in main_pages(spa["ids"]["client_id"], spa["ids"]["job_id"]):
        response = page.goto(live_server.url + path)
        if response.status == 403:  # not this role's page
            continue
        assert response.status == 200, f"{name}: {response.status}"
        opened += 1
        page.screenshot(path=str(SHOTS / f"{WIDTH}-{role}-{name}.png"), full_page=True)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            problems.append(f"{name}: {width[0]} px wide at {width[1]} px")
        header = page.locator("header.top").bounding_box()["height"]
        if header > 80:
            problems.append(f"{name}: the header is {header:.0f} px high")
    assert opened >= 5
    assert problems == [], "\n".join(problems)


def test_the_phone_menu_opens_without_script(narrow_page, live_server, spa):
    page = narrow_page
    log_in(page, live_server, spa["people"]["receptionist_a"].username)
    menu = page.locator("details.menu")
    assert menu.is_visible() and not page.locator("nav.menu-wide").is_visible()
    menu.locator("summary").click()
    link = menu.locator("nav a[href='/calendar/']")
    assert link.is_visible()
    page.screenshot(path=str(SHOTS / f"{WIDTH}-menu-open.png"))
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith("/calendar/")


def test_on_a_desktop_the_menu_is_one_row_of_links(browser, live_server, spa):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        log_in(page, live_server, spa["people"]["owner"].username)
        page.goto(f"{live_server.url}/clients/{spa['ids']['client_id']}/")
        page.screenshot(path=str(SHOTS / "1280-owner-profile.png"))
        assert page.locator("nav.menu-wide").is_visible()
        assert not page.locator("details.menu").is_visible()
        assert page.locator("header.top").bounding_box()["height"] <= 80
    finally:
        context.close()
