"""axe-core finds no critical or serious accessibility violation on the main pages, at
phone width (390 px) and on a desktop screen, for the roles that open them."""

import pytest

from .pages import log_in, main_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "critical" || v.impact === "serious")
    .map(v => `${v.impact} ${v.id}: ${v.help} — ` +
              v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""


def violations(page, axe_source) -> list[str]:
    page.evaluate(axe_source)  # evaluated by the browser tool, so the page's CSP allows it
    return page.evaluate(RUN_AXE)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", ["owner", "receptionist_a", "technician_a"])
def test_main_pages_have_no_serious_accessibility_violation(
    browser, live_server, spa, axe_source, role, screen
):
    context = browser.new_context(viewport=SCREENS[screen], locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    found = []
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        found += [f"login: {v}" for v in violations(page, axe_source)]
        log_in(page, live_server, spa["people"][role].username)
        for name, path in main_pages(spa["ids"]["client_id"], spa["ids"]["job_id"]):
            if page.goto(live_server.url + path).status != 200:
                continue
            found += [f"{name}: {v}" for v in violations(page, axe_source)]
            h1s = page.locator("h1").count()
            if h1s != 1:
                found.append(f"{name}: {h1s} h1 elements")
    finally:
        context.close()
    assert found == [], "\n".join(found)
