"""Each history entry reads as one sentence in the reader's language, built from its kind
and recorded changes; the English `summary` the services keep is never shown. Every kind
of entry is made here through the real service that writes it."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import tomorrow_at
from spa.audit.models import Action, AuditEntry
from spa.audit.presenter import entry_sentence
from spa.booking.services import (
    Booking,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from spa.clients.services import (
    client_consent_record,
    client_delete,
    client_health_update,
    client_merge,
    client_photo_set,
    client_update,
    consent_request_add,
    consent_request_decide,
)
from spa.clients.tests.test_views_forms import jpeg_bytes
from spa.sales.services import (
    Checkout,
    Line,
    checkout_issue,
    credit_note_issue,
    debt_pay,
    deposit_forfeit,
    deposit_take,
    prepaid_refund,
    prepaid_top_up,
)
from spa.treatments.services import (
    Override,
    ProductUse,
    SessionInput,
    package_sell,
    patch_test_record,
    session_log,
)
from tests.test_no_untranslated_words import untranslated, visible_text

pytestmark = pytest.mark.django_db
CLIENT_KINDS = set(Action.values) - {Action.LOGIN_FAILED, Action.SETTINGS, Action.EXPORT,
                                     Action.DELETE, Action.MERGED_AWAY}  # fmt: skip


@pytest.fixture
def hoa_history(make_client, receptionist_a, technician_a, manager_a, catalogue, branch_a, aha,
                working_week):  # fmt: skip
    """Hoa's record, with an entry of every kind a profile's history can hold."""
    hoa = make_client("Nguyễn Thị Hoa", phone="0912345678")
    client_update(
        actor=receptionist_a, client=hoa, fields={"occupation": "Kế toán", "language": "en"}
    )
    client_health_update(actor=technician_a, client=hoa, values={"allergen_ids": [aha.pk]})
    client_consent_record(actor=receptionist_a, client=hoa, channel="zalo", granted=True,
                          method="paper")  # fmt: skip
    client_consent_record(actor=receptionist_a, client=hoa, channel="zalo", granted=False,
                          method="phone")  # fmt: skip
    consent_request_decide(actor=receptionist_a, request=consent_request_add(client=hoa, channel="sms"),
                           confirm=False)  # fmt: skip
    client_photo_set(actor=receptionist_a, client=hoa, data=jpeg_bytes())
    client_merge(actor=manager_a, survivor=hoa, absorbed=make_client("Nguyen Thi Hoa"))
    session_log(actor=technician_a, override=Override(manager=manager_a, reason="Đã thử không phản ứng"),
                data=SessionInput(client=hoa, branch=branch_a, performed_at=timezone.now(),
                                  services=[catalogue["facial"]], technicians=[technician_a],
                                  products=[ProductUse(catalogue["peel"], Decimal("5"))]))  # fmt: skip
    package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Peel 5 buổi",
                 services=[catalogue["facial"]], total_sessions=5, price=2_000_000)  # fmt: skip
    patch_test_record(
        actor=technician_a, client=hoa, tested_on=timezone.localdate(), result="passed"
    )
    appointment = appointment_book(actor=receptionist_a, data=Booking(
        client=hoa, branch=branch_a, services=[catalogue["facial"]], start=tomorrow_at(9),
        technician=technician_a))  # fmt: skip
    appointment_reschedule(actor=receptionist_a, appointment=appointment, start=tomorrow_at(15),
                           technician=technician_a)  # fmt: skip
    appointment_cancel(actor=receptionist_a, appointment=appointment, reason="Khách bận")
    invoice = checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=2_350_000, service=catalogue["facial"])],
        payments={"cash": 350_000}))  # fmt: skip
    debt_pay(actor=receptionist_a, client=hoa, branch=branch_a, amount=100_000, method="transfer")
    prepaid_top_up(actor=receptionist_a, client=hoa, branch=branch_a, paid=1_000_000, bonus=100_000)
    prepaid_refund(actor=receptionist_a, client=hoa, branch=branch_a, amount=50_000)
    deposit_forfeit(actor=receptionist_a, reason="Không đến",
                    deposit=deposit_take(actor=receptionist_a, client=hoa, branch=branch_a, amount=200_000))  # fmt: skip
    credit_note_issue(actor=manager_a, invoice=invoice, reason="Nhầm dịch vụ")
    from spa.care.services import Scores, care_task_resolve, feedback_record, queue_item_done

    feedback = feedback_record(actor=receptionist_a, client=hoa, method="phone",
                               scores=Scores(overall=2, recommend=4, comment="Chờ lâu"))  # fmt: skip
    care_task_resolve(actor=manager_a, task=feedback.task, resolution="Đã gọi xin lỗi")
    queue_item_done(actor=receptionist_a, kind="birthday", client=hoa, ref="2026", action="called",
                    note="Chúc mừng sinh nhật")  # fmt: skip
    from django.db import transaction

    from spa.audit.models import IMPORT_MARK
    from spa.clients.services import client_import_fill

    with transaction.atomic():  # a row of an imported workbook brought into her profile
        client_import_fill(actor=manager_a, client=hoa, fields={"occupation": "Kế toán"},
                           phones=[], tags=[],
                           summary=IMPORT_MARK.join(["import", "khach.xlsx", "KH", "6"]))  # fmt: skip
    return hoa


def history_text(client, user, hoa, language) -> str:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return visible_text(client.get(reverse("clients:history", args=[hoa.pk])).content.decode())


def test_every_kind_of_entry_is_in_the_history(hoa_history):
    kinds = set(
        AuditEntry.objects.filter(client_id=hoa_history.pk).values_list("action", flat=True)
    )
    assert kinds >= CLIENT_KINDS


def test_the_history_reads_as_vietnamese_sentences(client, manager_a, hoa_history):
    text = history_text(client, manager_a, hoa_history, "vi")
    assert untranslated(text) == []
    for sentence in (
        "Đã tạo hồ sơ.", "Đã xuất hóa đơn HD", "2.350.000\u00a0₫", "Đã trả nợ: 100.000\u00a0₫ bằng chuyển khoản.",
        "Khách bận", "Không đến", "Đã thử không phản ứng", "Peel 5 buổi", "Đã gọi xin lỗi",
        "Chúc mừng sinh nhật",
    ):  # fmt: skip
        assert sentence in text, sentence
    # The English summaries written by the services are nowhere.
    for summary in AuditEntry.objects.filter(client_id=hoa_history.pk).values_list(
        "summary", flat=True
    ):
        if summary and summary.isascii():
            assert summary not in text, summary


def test_the_history_reads_as_chinese_sentences(client, manager_a, hoa_history):
    text = history_text(client, manager_a, hoa_history, "zh-hans")
    assert untranslated(text, "zh-hans") == []
    assert "2.350.000\u00a0₫" in text or "2,350,000\u00a0₫" in text


def test_entries_outside_a_profile_have_a_sentence_too(client, make_client, owner, manager_a):
    hoa = make_client("Nguyễn Thị Hoa")
    copy = make_client("Nguyen Thi Hoa")
    client_merge(actor=manager_a, survivor=hoa, absorbed=copy)
    merged_away = AuditEntry.objects.get(action=Action.MERGED_AWAY)
    assert entry_sentence(merged_away) == f"Hồ sơ này đã được gộp vào hồ sơ #{hoa.pk}."
    client.force_login(owner)
    client.get(reverse("clients:export"))
    assert (
        entry_sentence(AuditEntry.objects.get(action=Action.EXPORT))
        == "Đã xuất danh sách khách hàng."
    )
    client.logout()
    client.post(reverse("accounts:login"), {"username": owner.username, "password": "wrong"})
    assert (
        entry_sentence(AuditEntry.objects.get(action=Action.LOGIN_FAILED)) == "Đăng nhập thất bại."
    )
    client_delete(actor=manager_a, client=hoa, reason="Khách yêu cầu")
    erased = AuditEntry.objects.get(action=Action.DELETE)
    assert entry_sentence(erased) == "Đã xóa hồ sơ theo yêu cầu của khách."
