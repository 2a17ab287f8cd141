from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from spa.audit.models import Action, AuditEntry
from spa.catalog.models import RuleKind, ServiceRule, StockLevel
from spa.catalog.selectors import stock_ledger_sum, stock_level
from spa.clients.models import Condition
from spa.clients.selectors import client_search
from spa.clients.services import client_delete, client_health_update, client_merge
from spa.treatments.models import (
    GuardOverride,
    PackageRedemption,
    SessionPhoto,
    TreatmentPackage,
    TreatmentSession,
)
from spa.treatments.services import (
    GuardBlocked,
    Override,
    OverrideRefused,
    PackageUnavailable,
    ProductUse,
    SessionInput,
    package_sell,
    patch_test_record,
    session_log,
)


@pytest.fixture
def hoa(make_client):
    return make_client("Nguyễn Thị Hoa")


def session(client, technician, catalogue, *, products=(), services=("facial",), **extra):
    return SessionInput(
        client=client, branch=technician.branch, performed_at=timezone.now(),
        services=[catalogue[s] for s in services], technicians=[technician],
        products=[ProductUse(catalogue[p], Decimal(q)) for p, q in products], **extra,
    )  # fmt: skip


def test_a_session_takes_products_out_of_the_branch_stock(hoa, technician_a, catalogue, branch_a):
    logged = session_log(
        actor=technician_a,
        data=session(
            hoa, technician_a, catalogue, products=[("cleanser", "12.5")], reaction="Hơi đỏ"
        ),
    )
    cleanser = catalogue["cleanser"]
    assert stock_level(cleanser.pk, branch_a.pk) == Decimal("87.5")
    assert stock_ledger_sum(cleanser.pk, branch_a.pk) == Decimal("87.5")
    assert logged.amount == 450_000
    hoa.refresh_from_db()
    assert hoa.last_visit_at == logged.performed_at
    # Having served her, the technician can now find her.
    assert [c.pk for c in client_search(user=technician_a, q="nguyen thi hoa").clients] == [hoa.pk]
    assert AuditEntry.objects.filter(client_id=hoa.pk, action=Action.SESSION).exists()


def test_product_with_the_clients_allergen_is_blocked_without_override(
    hoa, technician_a, catalogue, aha, branch_a
):
    client_health_update(actor=technician_a, client=hoa, values={"allergen_ids": [aha.pk]})
    with pytest.raises(GuardBlocked) as blocked:
        session_log(
            actor=technician_a, data=session(hoa, technician_a, catalogue, products=[("peel", "5")])
        )
    assert blocked.value.needs_override
    assert "Dung dịch peel AHA 30%" in blocked.value.findings[0].message
    assert not TreatmentSession.objects.exists()
    assert stock_level(catalogue["peel"].pk, branch_a.pk) == Decimal("100")
    # Acknowledging is not enough for a hard finding.
    with pytest.raises(GuardBlocked):
        session_log(actor=technician_a, acknowledged=True,
                    data=session(hoa, technician_a, catalogue, products=[("peel", "5")]))  # fmt: skip


def test_manager_override_saves_the_session_and_is_audited(
    hoa, technician_a, manager_a, catalogue, aha
):
    client_health_update(actor=technician_a, client=hoa, values={"allergen_ids": [aha.pk]})
    logged = session_log(
        actor=technician_a,
        data=session(hoa, technician_a, catalogue, products=[("peel", "5")]),
        override=Override(manager=manager_a, reason="Khách đã dùng AHA 5% không phản ứng"),
    )
    override = GuardOverride.objects.get(session=logged)
    assert override.manager == manager_a and override.warnings[0]["hard"] is True
    entry = AuditEntry.objects.get(client_id=hoa.pk, action=Action.OVERRIDE)
    assert entry.actor == manager_a and entry.summary == "Khách đã dùng AHA 5% không phản ứng"
    assert "AHA" in entry.sensitive_changes["warnings"][1][0]


@pytest.mark.parametrize("who", ["receptionist_a", "technician_a", "manager_b"])
def test_only_a_manager_of_the_branch_or_the_owner_can_override(
    request, hoa, technician_a, catalogue, aha, who
):
    client_health_update(actor=technician_a, client=hoa, values={"allergen_ids": [aha.pk]})
    with pytest.raises(OverrideRefused):
        session_log(
            actor=technician_a, data=session(hoa, technician_a, catalogue, products=[("peel", "5")]),
            override=Override(manager=request.getfixturevalue(who), reason="x"),
        )  # fmt: skip
    assert not TreatmentSession.objects.exists()


def test_owner_can_override_anywhere(hoa, technician_a, owner, catalogue, aha):
    client_health_update(actor=technician_a, client=hoa, values={"allergen_ids": [aha.pk]})
    session_log(
        actor=technician_a, data=session(hoa, technician_a, catalogue, products=[("peel", "5")]),
        override=Override(manager=owner, reason="Bác sĩ đã cho phép"),
    )  # fmt: skip
    assert GuardOverride.objects.get().manager == owner


def test_pregnancy_rule_blocks_and_unknown_pregnancy_needs_acknowledging(
    hoa, technician_a, catalogue
):
    ServiceRule.objects.create(service=catalogue["laser"], kind=RuleKind.PREGNANCY, hard=True)
    with pytest.raises(GuardBlocked) as unknown:
        session_log(
            actor=technician_a, data=session(hoa, technician_a, catalogue, services=["laser"])
        )
    assert not unknown.value.needs_override
    session_log(
        actor=technician_a,
        acknowledged=True,
        data=session(hoa, technician_a, catalogue, services=["laser"]),
    )

    client_health_update(actor=technician_a, client=hoa, values={"pregnancy": "pregnant"})
    with pytest.raises(GuardBlocked) as pregnant:
        session_log(actor=technician_a, acknowledged=True,
                    data=session(hoa, technician_a, catalogue, services=["laser"]))  # fmt: skip
    assert pregnant.value.needs_override


def test_condition_rule_and_soft_rules(hoa, technician_a, catalogue):
    epilepsy = Condition.objects.get(code="epilepsy")
    ServiceRule.objects.create(
        service=catalogue["laser"], kind=RuleKind.CONDITION, condition=epilepsy, hard=False
    )
    client_health_update(actor=technician_a, client=hoa, values={"condition_ids": [epilepsy.pk]})
    with pytest.raises(GuardBlocked) as blocked:
        session_log(
            actor=technician_a, data=session(hoa, technician_a, catalogue, services=["laser"])
        )
    assert not blocked.value.needs_override and "Động kinh" in blocked.value.findings[0].message
    assert session_log(actor=technician_a, acknowledged=True,
                       data=session(hoa, technician_a, catalogue, services=["laser"])).pk  # fmt: skip


def test_patch_test_rule_missing_failed_passed_and_expired(hoa, technician_a, catalogue):
    ServiceRule.objects.create(
        service=catalogue["laser"], kind=RuleKind.PATCH_TEST, patch_test_days=30, hard=True
    )
    laser = catalogue["laser"]

    def codes():
        with pytest.raises(GuardBlocked) as blocked:
            session_log(
                actor=technician_a, data=session(hoa, technician_a, catalogue, services=["laser"])
            )
        return [f.code.split(":")[0] for f in blocked.value.findings]

    assert codes() == ["patch-missing"]
    patch_test_record(
        actor=technician_a,
        client=hoa,
        service=laser,
        tested_on=date.today() - timedelta(days=40),
        result="passed",
    )
    assert codes() == ["patch-missing"]  # too old
    patch_test_record(
        actor=technician_a,
        client=hoa,
        service=laser,
        tested_on=date.today() - timedelta(days=2),
        result="failed",
    )
    assert codes() == ["patch-failed"]
    patch_test_record(
        actor=technician_a, client=hoa, service=laser, tested_on=date.today(), result="passed"
    )
    assert session_log(
        actor=technician_a, data=session(hoa, technician_a, catalogue, services=["laser"])
    ).pk


def test_package_redemptions_count_up_and_stop_at_the_total(
    hoa, technician_a, receptionist_a, catalogue, branch_a
):
    package = package_sell(
        actor=receptionist_a, client=hoa, branch=branch_a, name="Liệu trình peel 2 buổi",
        services=[catalogue["facial"]], total_sessions=2, price=800_000,
    )  # fmt: skip
    for _ in range(2):
        session_log(actor=technician_a, data=session(hoa, technician_a, catalogue, package=package,
                                                     products=[("cleanser", "1")]))  # fmt: skip
    package.refresh_from_db()
    assert package.used_sessions == 2
    assert list(PackageRedemption.objects.values_list("number", flat=True)) == [1, 2]
    with pytest.raises(PackageUnavailable) as unavailable:
        session_log(actor=technician_a, data=session(hoa, technician_a, catalogue, package=package,
                                                     products=[("cleanser", "1")]))  # fmt: skip
    assert unavailable.value.reason == "used_up"
    # Nothing of the refused session is kept: no session, no stock taken.
    assert TreatmentSession.objects.count() == 2
    assert stock_level(catalogue["cleanser"].pk, branch_a.pk) == Decimal("98")


def test_package_for_other_services_or_expired_is_refused(
    hoa, technician_a, receptionist_a, catalogue, branch_a
):
    laser_only = package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Laser",
                              services=[catalogue["laser"]], total_sessions=5, price=1)  # fmt: skip
    with pytest.raises(PackageUnavailable) as other:
        session_log(
            actor=technician_a, data=session(hoa, technician_a, catalogue, package=laser_only)
        )
    assert other.value.reason == "not_these_services"
    expired = package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Peel",
                           services=[catalogue["facial"]], total_sessions=5, price=1)  # fmt: skip
    TreatmentPackage.objects.filter(pk=expired.pk).update(
        expires_on=date.today() - timedelta(days=1)
    )
    expired.refresh_from_db()
    with pytest.raises(PackageUnavailable) as late:
        session_log(actor=technician_a, data=session(hoa, technician_a, catalogue, package=expired))
    assert late.value.reason == "expired"


def test_database_refuses_a_package_used_past_its_total(hoa, receptionist_a, catalogue, branch_a):
    from django.db import IntegrityError, transaction

    package = package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="P",
                           services=[catalogue["facial"]], total_sessions=1, price=1)  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPackage.objects.filter(pk=package.pk).update(used_sessions=2)


def test_merge_moves_sessions_packages_and_photos(
    make_client, technician_a, manager_a, receptionist_a, catalogue, branch_a
):
    from spa.clients.tests.test_views_forms import jpeg_bytes

    keep, dup = make_client("Lê Thị Thu"), make_client("Le Thi Thu")
    package = package_sell(actor=receptionist_a, client=dup, branch=branch_a, name="P",
                           services=[catalogue["facial"]], total_sessions=3, price=1)  # fmt: skip
    logged = session_log(actor=technician_a, data=session(dup, technician_a, catalogue, package=package,
                                                          photos=[("before", jpeg_bytes())]))  # fmt: skip
    client_merge(actor=manager_a, survivor=keep, absorbed=dup)
    logged.refresh_from_db()
    package.refresh_from_db()
    assert logged.client == keep and package.client == keep
    assert SessionPhoto.objects.get().client == keep


def test_erasing_a_client_deletes_their_treatment_photos(
    make_client, technician_a, owner, catalogue, django_capture_on_commit_callbacks
):
    from spa.clients.tests.test_views_forms import jpeg_bytes

    hoa = make_client()
    session_log(
        actor=technician_a,
        data=session(hoa, technician_a, catalogue, photos=[("before", jpeg_bytes())]),
    )
    photo = SessionPhoto.objects.get()
    storage, names = photo.image.storage, [photo.image.name, photo.thumb.name]
    assert all(storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        client_delete(actor=owner, client=hoa, reason="Yêu cầu xoá")
    assert not any(storage.exists(n) for n in names)
    assert not StockLevel.objects.filter(quantity__lt=0).exists()
