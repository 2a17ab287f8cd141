"""The treatment log and the price list, imported from one real workbook: every visit
linked to its client and service (or rejected with a reason), then committed, reviewed
by the safety guard, and undone."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from hypothesis import given
from hypothesis import strategies as st

from spa.clients.models import Client, ClientHealth
from spa.imports import services
from spa.imports.models import ImportedObject, ImportJob, ImportRow, JobState, Outcome
from spa.imports.problems import ProblemError
from spa.imports.session_cells import (
    is_complimentary,
    parse_paid,
    parse_progress,
    parse_time,
    split_progress,
)
from spa.imports.targets import SheetKind
from spa.imports.tests.files import xlsx_bytes


# --- cells (no database) -------------------------------------------------------------------
@pytest.mark.parametrize(
    "cell, expected",
    [
        ("14:30", time(14, 30)), ("14h30", time(14, 30)), ("9h", time(9)),
        ("2h chiều", time(14)), ("9 giờ", time(9)), ("下午3点", time(15)),
        ("3pm", time(15)), (time(10, 15), time(10, 15)), (0.5, time(12)),
        (datetime(2024, 3, 5, 16, 45), time(16, 45)), ("", None), (None, None),
    ],
)  # fmt: skip
def test_a_visit_time_is_read_as_the_spa_writes_it(cell, expected):
    assert parse_time(cell) == expected


@pytest.mark.parametrize("cell", ["sáng sớm", "25:00", "14:75"])
def test_a_time_that_is_not_one_is_reported(cell):
    with pytest.raises(ProblemError) as caught:
        parse_time(cell)
    assert caught.value.problem.code == "time_invalid"


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("Buổi 3/10", (3, 10)), ("3/10", (3, 10)), ("3 / 10", (3, 10)), ("lần 3", (3, None)),
        ("Lần thứ 2", (2, None)), ("第3次", (3, None)), ("b5/6", (5, 6)), (4, (4, None)),
        ("buổi 10/10", (10, 10)), ("", None),
    ],
)  # fmt: skip
def test_a_session_number_in_its_package_is_read(cell, expected):
    assert parse_progress(cell) == expected


@pytest.mark.parametrize("cell", ["11/10", "0/10", "hết", date(2024, 10, 3)])
def test_a_session_number_that_cannot_be_is_reported(cell):
    with pytest.raises(ProblemError) as caught:
        parse_progress(cell)
    assert caught.value.problem.code == "progress_invalid"


@given(total=st.integers(1, 200), data=st.data())
def test_any_number_within_its_package_reads_back(total, data):
    number = data.draw(st.integers(1, total))
    assert parse_progress(f"Buổi {number}/{total}") == (number, total)


def test_a_service_cell_can_carry_the_session_number():
    assert split_progress("Peel da AHA (buổi 3/10)") == ("Peel da AHA", (3, 10))
    assert split_progress("Triệt lông - lần 2/6") == ("Triệt lông", (2, 6))
    assert split_progress("Combo 2/9 tháng") == ("Combo 2/9 tháng", None)


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("đã TT", True), ("Rồi", True), ("CK", True), ("TM", True), ("paid", True),
        ("x", True), ("chưa TT", False), ("nợ", False), ("Chưa trả", False),
        ("unpaid", False), ("欠", False), ("nợ 200k", False), ("Có", True),
        ("không", False), ("", None),
    ],
)  # fmt: skip
def test_paid_and_unpaid_are_told_apart(cell, expected):
    assert parse_paid(cell) is expected


def test_a_payment_word_we_do_not_know_is_reported():
    with pytest.raises(ProblemError) as caught:
        parse_paid("hỏi lại chị Mai")
    assert caught.value.problem.code == "paid_unknown"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Tặng", True), ("Free", True), ("miễn phí", True), ("KM", True), ("免费", True),
        ("赠送", True), ("tặng sinh nhật", True), ("tăng cường dưỡng ẩm", False),
        ("kem dưỡng", False), ("", False),
    ],
)  # fmt: skip
def test_a_complimentary_visit_is_recognised(text, expected):
    assert is_complimentary(text) is expected


# --- a whole workbook (database) -------------------------------------------------------------
CLIENTS = [
    ["DANH SÁCH KHÁCH HÀNG"],
    [],
    ["Mã KH", "Họ tên", "SĐT", "Dị ứng", "Gói", "Tổng buổi", "Đã dùng"],
    ["KH01", "Nguyễn Thị Hoa", "0912345678", None, None, None, None],
    ["KH02", "Trần Văn Nam", "0987654321", None, None, None, None],
    ["KH03", "Lê Thị Lan", "0903333444", "AHA", None, None, None],
    ["KH04", "Phạm Thu Hà", "0904444555", None, "Triệt lông laser", 10, 2],
]
LOG = [
    ["SỔ LIỆU TRÌNH THÁNG 3"],
    ["Ngày", "Giờ", "Khách hàng", "SĐT", "Mã KH", "Dịch vụ", "Thành tiền", "Thanh toán",
     "Buổi", "KTV", "Sản phẩm", "Ghi chú"],
    # 3: by phone to a client row; a known technician
    [date(2024, 3, 5), "14:30", "Nguyễn Thị Hoa", "0912345678", None, "Peel da AHA",
     450000, "đã TT", None, "Thao", None, "Da đẹp"],
    # 4: by name alone to a client row; a price-list service; unpaid
    [date(2024, 3, 6), None, "Trần Văn Nam", None, None, "Massage body", 300000, "nợ",
     None, "Hương", None, None],
    # 5: by phone to a stored client; complimentary
    [date(2024, 3, 7), "9h", "Võ Thị Mai", "0977111222", None, "Triệt lông laser",
     "Tặng", None, None, None, None, None],
    # 6: two stored clients have this name: rejected
    [date(2024, 3, 8), None, "Đỗ Thị Hạnh", None, None, "Peel da AHA", 450000, None,
     None, None, None, None],
    # 7, 8: a walk-in, twice; a service no one has heard of
    [date(2024, 3, 9), None, "Bùi Thị Tuyết", "0911222333", None, "Gội đầu dưỡng sinh",
     120000, None, None, None, None, None],
    [date(2024, 3, 10), None, "Bùi Thị Tuyết", "0911 222 333", None, "Gội đầu dưỡng sinh",
     120000, None, None, None, None, None],
    # 9: an AHA peel for a client allergic to AHA
    [date(2024, 3, 11), None, "Lê Thị Lan", "0903333444", None, "Peel da AHA", 450000,
     "CK", None, None, "Dung dịch peel AHA 30%, Sữa rửa mặt dịu nhẹ", None],
    # 10: the 3rd of the client sheet's 10-session package
    [date(2024, 3, 12), None, "Phạm Thu Hà", "0904444555", None, "Triệt lông laser",
     None, None, "Buổi 3/10", None, None, None],
    # 11, 12: a package known only from the log; a misspelt service
    [date(2024, 3, 13), None, "Nguyễn Thị Hoa", "0912345678", None, "Peel da AHA",
     450000, None, "2/6", None, None, None],
    [date(2024, 3, 14), None, "Nguyễn Thị Hoa", "0912345678", None, "Pel da AHA", 450000,
     None, "Buổi 4/6", None, None, None],
    # 13: no date
    [None, None, "Nguyễn Thị Hoa", "0912345678", None, "Peel da AHA", 450000, None,
     None, None, None, None],
    # 14: by the old system's client code alone
    [date(2024, 3, 15), None, None, None, "KH02", "Massage body", 300000, None, None,
     None, None, None],
    # 15: as the desk calls her, with her phone; "KM" beside an amount is a discount
    [date(2024, 3, 16), None, "Chị Hoa", "0912345678", None, "Triệt lông laser", 800000,
     None, None, None, None, "KM 50%"],
    [],
    ["Tổng cộng", None, None, None, None, None, 2940000],
]  # fmt: skip
PRICES = [
    ["Dịch vụ", "Giá", "Thời gian", "Nhóm"],
    ["Massage body", 300000, 90, "Body"],
    ["Peel da AHA", 450000, 60, "Da mặt"],
    ["Massage body", 320000, 90, "Body"],
]


@pytest.fixture
def stored(make_client, manager_a):
    mai = make_client("Võ Thị Mai", phone="0977111222", actor=manager_a)
    make_client("Đỗ Thị Hạnh", actor=manager_a)
    make_client("Đỗ Thị Hạnh", actor=manager_a)
    return {"mai": mai}


@pytest.fixture
def analysed(manager_a, technician_a, catalogue, stored):
    data = xlsx_bytes({"Khách hàng": CLIENTS, "Liệu trình": LOG, "Bảng giá": PRICES})
    job = services.job_create(actor=manager_a, branch=manager_a.branch, data=data,
                              filename="so-lieu-trinh.xlsx")  # fmt: skip
    kinds = {p["name"]: p["kind"] for p in job.sheets}
    assert kinds == {"Khách hàng": SheetKind.CLIENTS, "Liệu trình": SheetKind.SESSIONS,
                     "Bảng giá": SheetKind.PRICES}  # fmt: skip
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.ANALYSING)
    assert services.analyse(job.pk) == "ready"
    return ImportJob.objects.get(pk=job.pk)


def rows_of(job, sheet_name) -> dict[int, ImportRow]:
    index = next(p["index"] for p in job.sheets if p["name"] == sheet_name)
    return {r.row_number: r for r in ImportRow.objects.filter(job=job, sheet_index=index)}


def committed(job) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.COMMITTING)
    assert services.commit(job.pk) == "committed"
    return ImportJob.objects.get(pk=job.pk)


pytestmark = pytest.mark.django_db


def test_every_row_of_the_log_and_the_price_list_is_accounted_for(analysed):
    log, prices = rows_of(analysed, "Liệu trình"), rows_of(analysed, "Bảng giá")
    assert sorted(log) == list(range(1, len(LOG) + 1))
    assert sorted(prices) == list(range(1, len(PRICES) + 1))
    assert log[1].outcome == Outcome.SKIPPED and log[1].reason[0] == "row_title"
    assert log[2].reason[0] == "row_header"
    assert log[16].reason[0] == "row_blank" and log[17].reason[0] == "row_total"


def test_the_price_list_matches_the_catalogue_and_names_new_services(analysed, catalogue):
    prices = rows_of(analysed, "Bảng giá")
    massage, peel, again = prices[2], prices[3], prices[4]
    assert massage.outcome == Outcome.SERVICE and "service_id" not in massage.data
    assert massage.data == {"name": "Massage body", "price": 300000, "minutes": 90,
                            "category": "Body"}  # fmt: skip
    assert peel.data["service_id"] == catalogue["facial"].pk and peel.match_rule == "catalogue"
    assert again.match_row_id == massage.pk
    assert again.warnings == [["row_service_duplicate", {"row": 2}]]


def test_visits_are_linked_to_their_clients(analysed, stored):
    log, clients = rows_of(analysed, "Liệu trình"), rows_of(analysed, "Khách hàng")
    assert (log[3].match_row_id, log[3].match_rule) == (clients[4].pk, "phone")
    assert (log[4].match_row_id, log[4].match_rule) == (clients[5].pk, "name")
    assert (log[5].match_client_id, log[5].match_rule) == (stored["mai"].pk, "phone")
    assert (log[14].match_row_id, log[14].match_rule) == (clients[5].pk, "source_id")
    assert log[6].outcome == Outcome.REJECTED
    assert log[6].reason == ["row_client_ambiguous", {"text": "Đỗ Thị Hạnh"}]
    assert log[13].outcome == Outcome.REJECTED and log[13].reason[0] == "date_missing"
    assert (log[15].match_row_id, log[15].match_rule) == (clients[4].pk, "phone")
    assert log[15].data["client_name"] == "Hoa"
    assert (log[15].data["amount"], log[15].data["complimentary"]) == (800000, False)


def test_a_walk_in_seen_twice_is_one_new_client(analysed):
    log = rows_of(analysed, "Liệu trình")
    first, second = log[7], log[8]
    assert first.outcome == Outcome.SESSION and first.data["walk_in"] is True
    assert first.match_row_id is None and first.match_client_id is None
    assert second.match_row_id == first.pk and second.match_rule == "phone"


def test_a_visit_row_reads_every_column(analysed, technician_a, catalogue):
    log = rows_of(analysed, "Liệu trình")
    hoa, nam, mai = log[3].data, log[4].data, log[5].data
    assert (hoa["date"], hoa["time"], hoa["amount"], hoa["paid"]) == (
        "2024-03-05",
        "14:30",
        450000,
        True,
    )
    assert hoa["technician_ids"] == [technician_a.pk] and hoa["note"] == "Da đẹp"
    assert (nam["paid"], nam["technician_unknown"]) == (False, ["Hương"])
    assert ["technician_unknown", {"text": "Hương"}] in log[4].warnings
    assert (mai["complimentary"], mai["amount"], mai["time"]) == (True, 0, "09:00")
    assert log[9].data["product_ids"] == [catalogue["peel"].pk, catalogue["cleanser"].pk]
    assert log[10].data["progress"] == [3, 10]
    assert log[12].data["service_key"] == "peel da aha"
    assert log[7].warnings == [["row_service_unknown", {"text": "Gội đầu dưỡng sinh"}]]


def test_the_commit_writes_the_history(analysed, catalogue, stored, technician_a):
    from spa.catalog.models import Service, ServicePrice
    from spa.sales.ledger import balance_of
    from spa.sales.models import Account
    from spa.treatments.models import TreatmentPackage, TreatmentSession

    job = committed(analysed)
    log, clients = rows_of(job, "Liệu trình"), rows_of(job, "Khách hàng")
    assert all(r.result for r in log.values() if r.outcome == Outcome.SESSION)
    hoa = Client.objects.get(pk=clients[4].client_id)
    first = TreatmentSession.objects.get(pk=log[3].result["session"])
    assert first.client == hoa and first.branch == job.branch
    assert first.performed_at == timezone.make_aware(datetime(2024, 3, 5, 14, 30))
    assert first.amount == 450000 and first.notes == "Da đẹp"
    assert list(first.technicians.all()) == [technician_a]
    assert [(line.service, line.price) for line in first.service_lines.all()] == [
        (catalogue["facial"], 450000)
    ]
    # by name, from the price list, unpaid: a debt
    nam = Client.objects.get(pk=clients[5].client_id)
    massage = Service.objects.get(name="Massage body")
    assert massage.is_active and massage.category.name == "Body"
    assert ServicePrice.objects.get(service=massage, branch=job.branch).price == 300000
    assert TreatmentSession.objects.get(pk=log[4].result["session"]).client == nam
    assert "Hương" in TreatmentSession.objects.get(pk=log[4].result["session"]).notes
    assert balance_of(nam, Account.DEBT) == 300000
    # complimentary
    gift = TreatmentSession.objects.get(pk=log[5].result["session"])
    assert gift.client == stored["mai"] and gift.amount == 0
    assert gift.notes == gettext("Complimentary")  # "Tặng"
    # the walk-in: one client, two visits, an inactive new service
    tuyet = Client.objects.get(full_name="Bùi Thị Tuyết")
    assert log[7].client_id == log[8].client_id == tuyet.pk
    assert TreatmentSession.objects.filter(client=tuyet).count() == 2
    assert Service.objects.get(name="Gội đầu dưỡng sinh").is_active is False
    assert tuyet.last_visit_at == timezone.make_aware(datetime(2024, 3, 10, 12))
    # packages: the imported one advanced; one made from the log
    ha = Client.objects.get(pk=clients[7].client_id)
    package = TreatmentPackage.objects.get(client=ha)
    assert (package.total_sessions, package.used_sessions) == (10, 3)
    made = TreatmentPackage.objects.get(client=hoa)
    assert (made.name, made.total_sessions, made.used_sessions) == ("Peel da AHA", 6, 4)
    assert list(made.services.all()) == [catalogue["facial"]]
    # by code
    assert TreatmentSession.objects.get(pk=log[14].result["session"]).client == nam
    assert not log[6].result and log[6].client_id is None


def test_the_guard_lists_imported_visits_that_used_an_allergen(analysed, aha):
    job = committed(analysed)
    clients, log = rows_of(job, "Khách hàng"), rows_of(job, "Liệu trình")
    lan = clients[6].client_id
    assert aha.pk in ClientHealth.objects.get(client_id=lan).values()["allergen_ids"]
    assert job.counts["guard"] == [
        {"client": lan, "session": log[9].result["session"], "warnings": [
            gettext("%(product)s contains %(allergen)s, which the client is allergic to.")
            % {"product": "Dung dịch peel AHA 30%", "allergen": aha.label}
        ]}
    ]  # fmt: skip


def test_the_guard_lists_a_service_that_uses_an_allergen_too(analysed, aha, catalogue):
    from spa.catalog.models import RuleKind, ServiceRule

    ServiceRule.objects.create(service=catalogue["facial"], kind=RuleKind.ALLERGEN, allergen=aha)
    job = committed(analysed)
    log = rows_of(job, "Liệu trình")
    assert [(g["session"], len(g["warnings"])) for g in job.counts["guard"]] == [
        (log[9].result["session"], 2)
    ]


def test_undo_takes_away_everything_the_log_created(analysed, catalogue, stored, manager_a):
    from spa.catalog.models import Service, ServiceCategory, ServicePrice
    from spa.sales.models import Balance, LedgerEntry
    from spa.treatments.models import TreatmentPackage, TreatmentSession

    before = {
        "services": set(Service.objects.values_list("pk", flat=True)),
        "prices": ServicePrice.objects.count(),
        "categories": ServiceCategory.objects.count(),
        "clients": set(Client.objects.values_list("pk", flat=True)),
    }
    job = committed(analysed)
    assert TreatmentSession.objects.count() == 11
    services.undo(actor=manager_a, job=job)
    assert TreatmentSession.objects.count() == 0
    assert TreatmentPackage.objects.count() == 0
    assert set(Client.objects.values_list("pk", flat=True)) == before["clients"]
    assert set(Service.objects.values_list("pk", flat=True)) == before["services"]
    assert ServicePrice.objects.count() == before["prices"]
    assert ServiceCategory.objects.count() == before["categories"]
    assert not Balance.objects.exclude(amount=0).exists()
    assert not LedgerEntry.objects.filter(client=stored["mai"]).exists()
    assert stored["mai"].__class__.objects.get(pk=stored["mai"].pk).last_visit_at is None
    assert not ImportedObject.objects.filter(job=job).exists()
    assert not ImportRow.objects.filter(job=job).exclude(result={}).exists()
    assert "guard" not in ImportJob.objects.get(pk=job.pk).counts


def test_undo_keeps_a_created_service_that_is_used_since(analysed, manager_a, make_client):
    from spa.catalog.models import Service
    from spa.treatments.models import SessionService, TreatmentSession

    job = committed(analysed)
    massage = Service.objects.get(name="Massage body")
    other = make_client("Hồ Thị Yến", actor=manager_a)
    session = TreatmentSession.objects.create(client=other, branch=job.branch,
                                              performed_at=timezone.now())  # fmt: skip
    SessionService.objects.create(session=session, service=massage, price=300000)
    services.undo(actor=manager_a, job=job)
    massage.refresh_from_db()
    assert massage.is_active is False
    assert TreatmentSession.objects.filter(pk=session.pk).exists()


def test_a_commit_taken_up_again_repeats_nothing(analysed):
    from spa.treatments.models import TreatmentSession

    job = committed(analysed)
    count = TreatmentSession.objects.count()
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.COMMITTING)
    assert services.commit(job.pk) == "committed"
    assert TreatmentSession.objects.count() == count
    assert Client.objects.filter(full_name="Bùi Thị Tuyết").count() == 1


def _job(actor, sheets: dict) -> ImportJob:
    job = services.job_create(
        actor=actor, branch=actor.branch, data=xlsx_bytes(sheets), filename="log.xlsx"
    )
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.ANALYSING)
    assert services.analyse(job.pk) == "ready"
    return ImportJob.objects.get(pk=job.pk)


LOG_HEADER = ["Ngày", "Khách hàng", "SĐT", "Mã KH", "Dịch vụ", "Thành tiền"]


def test_a_visit_finds_a_client_imported_before_by_their_old_code(manager_a, catalogue):
    first = _job(manager_a, {"KH": [["Mã KH", "Họ tên", "SĐT"],
                                    ["KH09", "Đặng Thu Trang", "0908765432"]]})  # fmt: skip
    committed(first)
    trang = Client.objects.get(full_name="Đặng Thu Trang")
    log = _job(manager_a, {"Liệu trình": [
        LOG_HEADER, [date(2024, 4, 2), "Đặng Thu Trang", None, "KH09", "Peel da AHA", 450000],
    ]})  # fmt: skip
    row = rows_of(log, "Liệu trình")[2]
    assert (row.match_client_id, row.match_rule) == (trang.pk, "source_id")


def test_a_client_the_importer_may_not_see_is_never_linked(manager_a, make_client, manager_b):
    hidden = make_client("Ngô Thị Bích", phone="0935551234", actor=manager_b)
    log = _job(manager_a, {"Liệu trình": [
        LOG_HEADER, [date(2024, 4, 2), "Ngô Thị Bích", "0935551234", None, "Gội đầu", 100000],
    ]})  # fmt: skip
    row = rows_of(log, "Liệu trình")[2]
    assert row.match_client_id is None and row.data["walk_in"] is True
    committed(log)
    row.refresh_from_db()
    assert row.client_id != hidden.pk
    assert Client.objects.get(pk=row.client_id).branch == manager_a.branch


def test_every_imported_visit_is_in_its_clients_history(analysed):
    from spa.audit.models import Action, AuditEntry
    from spa.audit.presenter import entry_sentence
    from spa.treatments.models import TreatmentSession

    job = committed(analysed)
    visits = list(
        TreatmentSession.objects.filter(client__isnull=False).values_list("client_id", flat=True)
    )
    assert visits
    for client_id in set(visits):
        entries = AuditEntry.objects.filter(client_id=client_id, action=Action.IMPORT)
        assert entries.count() >= visits.count(client_id)
        assert all(job.file_name in entry_sentence(e) for e in entries if "\x1f" in e.summary)
