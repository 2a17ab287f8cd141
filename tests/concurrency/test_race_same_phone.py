"""Two receptionists, one new client, the same instant: exactly one profile.

Real concurrent HTTP requests against the live server, on PostgreSQL and on SQLite
(where writers are serialised, so the check before the insert is final)."""

import pytest
from django.db import IntegrityError, transaction

from spa.clients.models import Client, ClientPhone


@pytest.mark.django_db(transaction=True)
def test_unconfirmed_second_holder_of_a_phone_is_refused_by_the_database(make_client):
    client = make_client("Trần Thị Lan", phone="0912345678")
    other = make_client("Lê Văn Tám")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPhone.objects.create(
            client=other, e164="+84912345678", national="0912 345 678", digits_reversed="876543219"
        )
    assert ClientPhone.objects.filter(e164="+84912345678").get().client == client


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_the_same_phone_make_exactly_one_profile(
    race, receptionist_a, manager_a
):
    data = {
        "full_name": "Nguyễn Thị Hoa",
        "phone": "0912 345 678",
        "branch": receptionist_a.branch_id,
    }
    outcomes = race([receptionist_a, manager_a] * 4, "/clients/new/", data)

    assert outcomes == [200] * 7 + [302]  # one created, the rest warned
    assert Client.objects.count() == 1
    assert ClientPhone.objects.filter(e164="+84912345678").count() == 1
