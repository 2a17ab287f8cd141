import re
import threading

import pytest
import requests


def logged_in(live_server, user, path: str) -> tuple[requests.Session, str]:
    """An HTTP session logged in as `user`, and the CSRF token of the form at `path`."""
    from django.test import Client as DjangoClient

    django_client = DjangoClient()
    django_client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    page = session.get(f"{live_server.url}{path}", timeout=10)
    return session, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def post_together(
    live_server, attempts: list[tuple[requests.Session, str, str, dict]]
) -> list[int]:
    """POST every (session, token, path, data) at the same instant; the status codes."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[int] = []

    def post(http, token, path, data):
        barrier.wait()
        response = http.post(
            f"{live_server.url}{path}",
            data={"csrfmiddlewaretoken": token, **data},
            headers={"Referer": f"{live_server.url}{path}"},
            allow_redirects=False,
            timeout=60,
        )
        outcomes.append(response.status_code)

    threads = [threading.Thread(target=post, args=a) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.fixture
def race(live_server):
    """race(users, path, data) -> sorted status codes of one simultaneous POST per user."""

    def run(users, path, data_for):
        attempts = []
        for i, user in enumerate(users):
            page = path(i) if callable(path) else path
            http, token = logged_in(live_server, user, page)
            attempts.append((http, token, page, data_for(i) if callable(data_for) else data_for))
        return post_together(live_server, attempts)

    return run
