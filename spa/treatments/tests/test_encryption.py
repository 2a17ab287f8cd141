"""A session's reaction, result and notes are health data: unreadable in the database,
readable through the app by the roles allowed, and rotated with the other keys."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from spa.clients.models import CareReason
from spa.clients.services import care_link_add
from spa.treatments.models import TreatmentSession
from spa.treatments.services import SessionInput, session_log

pytestmark = pytest.mark.django_db


def raw(session_id):
    with connection.cursor() as cur:
        cur.execute("SELECT reaction, result, notes FROM treatments_treatmentsession WHERE id = %s",
                    [session_id])  # fmt: skip
        return cur.fetchone()


def test_session_notes_are_encrypted_at_rest_and_shown_to_the_technician(
    client, make_client, technician_a, receptionist_a, catalogue, branch_a, settings
):
    hoa = make_client("Nguyễn Thị Hoa")
    care_link_add(client=hoa, staff=technician_a, reason=CareReason.SERVED)
    session = session_log(actor=technician_a, data=SessionInput(
        client=hoa, branch=branch_a, performed_at=timezone.now(), services=[catalogue["facial"]],
        technicians=[technician_a], reaction="Đỏ rát vùng má", result="Mụn giảm",
        notes="Đang dùng isotretinoin"))  # fmt: skip

    stored = raw(session.pk)
    assert all(value.startswith("gAAAA") for value in stored)
    assert "isotretinoin" not in " ".join(stored) and "Đỏ" not in " ".join(stored)
    client.force_login(technician_a)
    page = client.get(reverse("treatments:session_detail", args=[session.pk])).content.decode()
    assert "Đỏ rát vùng má" in page and "Đang dùng isotretinoin" in page
    client.force_login(receptionist_a)
    page = client.get(reverse("treatments:course", args=[hoa.pk])).content.decode()
    assert "Đang dùng isotretinoin" not in page  # as before: the desk does not see notes

    # Key rotation covers them: a new key first, rotate, retire the old one, still readable.
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    call_command("rotate_field_keys", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert TreatmentSession.objects.get(pk=session.pk).notes == "Đang dùng isotretinoin"
