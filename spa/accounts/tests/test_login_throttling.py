"""Wrong passwords lock an account (and an address) out for a while that grows; the
page says how long in the user's language; every failed login is audited."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from spa.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db


def login(http, username, password, address="10.0.0.1"):
    return http.post(reverse("accounts:login"), {"username": username, "password": password},
                     REMOTE_ADDR=address)  # fmt: skip


def test_five_wrong_passwords_lock_the_account_even_with_the_right_one(owner):
    http = HttpClient()
    codes = [login(http, owner.username, "wrong").status_code for _ in range(5)]
    assert codes == [200] * 4 + [429]

    locked = login(http, owner.username, "pw")  # the right password, too late
    assert locked.status_code == 429 and "_auth_user_id" not in http.session
    assert "Thử lại sau" in locked.content.decode()
    # From another address too: the lock is on the account.
    assert login(HttpClient(), owner.username, "pw", address="10.0.0.2").status_code == 429
    assert AuditEntry.objects.filter(action=Action.LOGIN_FAILED).count() >= 5
    assert owner.username in AuditEntry.objects.filter(action=Action.LOGIN_FAILED).first().summary


def test_one_address_trying_many_accounts_is_slowed_down(receptionist_a, settings):
    settings.LOGIN_RATE_PER_ADDRESS = "6/15m"
    http = HttpClient()
    for name in ["a", "b", "c", "d", "e", "f"]:
        login(http, name, "guess", address="10.9.9.9")
    refused = login(http, receptionist_a.username, "pw", address="10.9.9.9")
    assert refused.status_code == 429 and "15 phút" in refused.content.decode()
    assert login(HttpClient(), receptionist_a.username, "pw", address="10.1.1.1").status_code == 302


def test_one_accounts_typos_do_not_lock_out_colleagues_at_the_same_desk(owner, receptionist_a):
    http = HttpClient()
    for _ in range(6):
        login(http, owner.username, "wrong")
    assert login(HttpClient(), receptionist_a.username, "pw").status_code == 302


def test_the_wait_doubles_with_every_further_failure():
    from types import SimpleNamespace

    from spa.accounts.lockout import cool_off

    minutes = [cool_off(SimpleNamespace(axes_failures_since_start=n)).total_seconds() / 60
               for n in (5, 9, 10, 15, 60)]  # fmt: skip
    assert minutes == [1, 1, 2, 4, 60]


def test_a_good_login_before_the_limit_resets_the_count(receptionist_a):
    http = HttpClient()
    for _ in range(3):
        login(http, receptionist_a.username, "wrong")
    assert login(http, receptionist_a.username, "pw").status_code == 302


def test_the_lock_really_lasts_longer_after_more_failures(owner, receptionist_a):
    from datetime import timedelta

    from axes.models import AccessAttempt

    http = HttpClient()
    for _ in range(5):
        login(http, receptionist_a.username, "wrong")
    for _ in range(10):
        login(http, owner.username, "wrong")
    # 90 seconds later: the 1-minute lock is over, the 2-minute one is not.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(seconds=90)
    )
    assert login(HttpClient(), receptionist_a.username, "pw").status_code == 302
    locked = login(HttpClient(), owner.username, "pw")
    assert locked.status_code == 429 and "phút" in locked.content.decode()
