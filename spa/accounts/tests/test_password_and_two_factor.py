"""Staff change their own password (Django's validators apply); the owner and managers
may turn on two-factor login, and the spa may require it of them."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from spa.accounts.models import SpaSettings

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits, drift=drift):06d}"


def unthrottle(device: TOTPDevice) -> None:
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def test_staff_change_their_password_and_weak_ones_are_refused(client, receptionist_a):
    client.force_login(receptionist_a)
    url = reverse("accounts:password_change")
    weak = client.post(url, {"old_password": "pw", "new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "quá ngắn" in weak.content.decode()
    good = "Hoa-sen-2026-tra-gung"
    done = client.post(url, {"old_password": "pw", "new_password1": good, "new_password2": good})
    assert done.status_code == 302
    receptionist_a.refresh_from_db()
    assert receptionist_a.check_password(good)


def test_a_manager_turns_on_two_factor_and_then_every_login_asks_for_the_code(client, manager_a):
    client.force_login(manager_a)
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert 'data-testid="qr"' in page and 'data-testid="secret"' in page
    device = TOTPDevice.objects.get(user=manager_a)
    assert client.post(reverse("accounts:two_factor_setup"), {"token": "000000"}).status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    unthrottle(device)  # a wrong code makes the next try wait a second
    client.post(reverse("accounts:two_factor_setup"), {"token": code_for(device)})
    device.refresh_from_db()
    assert device.confirmed

    client.logout()
    login = client.post(
        reverse("accounts:login"), {"username": manager_a.username, "password": "pw"}
    )
    assert login.status_code == 302
    # The password alone opens nothing.
    search = client.get(reverse("clients:search"))
    assert search.status_code == 302 and search["Location"].startswith(
        reverse("accounts:two_factor_verify")
    )
    wrong = client.post(
        reverse("accounts:two_factor_verify"), {"token": "123456", "next": "/clients/"}
    )
    assert wrong.status_code == 200 and "không đúng" in wrong.content.decode()
    unthrottle(device)
    # A code is good once: the one that confirmed the device cannot log in again, so the
    # app's next code (the device accepts one step of clock drift).
    right = client.post(
        reverse("accounts:two_factor_verify"),
        {"token": code_for(device, drift=1), "next": "/clients/"},
    )
    assert right.status_code == 302 and right["Location"] == "/clients/"
    assert client.get(reverse("clients:search")).status_code == 200


def test_the_spa_can_require_two_factor_of_owner_and_managers_only(
    client, manager_a, receptionist_a
):
    SpaSettings.objects.update_or_create(pk=1, defaults={"require_two_factor": True})
    client.force_login(manager_a)
    response = client.get(reverse("clients:search"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:two_factor_setup"
    )
    client.force_login(receptionist_a)
    assert client.get(reverse("clients:search")).status_code == 200
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 403


def test_account_pages_matrix(client, people):
    from conftest import statuses

    assert statuses(client, people, reverse("accounts:account")) == [302] + [200] * 7
    assert statuses(client, people, reverse("accounts:password_change")) == [302] + [200] * 7
    # anonymous, owner, manager_a, manager_b, receptionist_a, receptionist_b, technician_a, technician_b
    assert statuses(client, people, reverse("accounts:two_factor_setup")) == [
        302, 200, 200, 200, 403, 403, 403, 403,
    ]  # fmt: skip


def test_opening_the_setup_twice_keeps_one_pending_device(client, manager_a):
    client.force_login(manager_a)
    first = client.get(reverse("accounts:two_factor_setup")).content.decode()
    TOTPDevice.objects.create(user=manager_a, confirmed=False, name="spa")  # a second tab's race
    second = client.get(reverse("accounts:two_factor_setup"))
    assert second.status_code == 200 and TOTPDevice.objects.filter(user=manager_a).count() == 1
    assert 'data-testid="qr"' in first
