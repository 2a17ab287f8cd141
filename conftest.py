"""Personas shared by every test: an owner, and for branches A and B a manager, a
receptionist and a technician."""

import itertools

import pytest

from spa.accounts.models import Branch, Role, User
from spa.clients.models import Allergen
from spa.clients.services import PhoneInput, client_create
from spa.core.phone import parse_phone

_phones = itertools.count(1000000)


def next_phone() -> str:
    """A fresh valid Vietnamese mobile number for each call."""
    return f"097{next(_phones):07d}"


@pytest.fixture(autouse=True)
def vietnamese():
    """Every test starts in the product's default language."""
    from django.utils import translation

    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def midday():
    """The clock moved to 11:50 today in the spa's time zone, and running on from there:
    an appointment later the same day can always be booked, whatever hour the suite
    runs at (CI runs near midnight in Vietnam), and the first free time offered (12:00)
    is still ahead when the form is sent. Only this process's clock: the database
    server's and a worker process's run on."""
    import time_machine
    from django.utils import timezone

    at = timezone.localtime().replace(hour=11, minute=50, second=0, microsecond=0)
    with time_machine.travel(at, tick=True):
        yield at


@pytest.fixture
def branch_a(db):
    return Branch.objects.create(code="a", name="Chi nhánh A")


@pytest.fixture
def branch_b(db):
    return Branch.objects.create(code="b", name="Chi nhánh B")


def _staff(username, role, branch, **extra):
    user = User(username=username, role=role, branch=branch, first_name=username.title(), **extra)
    user.set_password("pw")
    user.save()
    return user


@pytest.fixture
def owner(db):
    return _staff("olivia", Role.OWNER, None, is_staff=True, is_superuser=True)


@pytest.fixture
def manager_a(branch_a):
    return _staff("mai", Role.MANAGER, branch_a)


@pytest.fixture
def manager_b(branch_b):
    return _staff("minh", Role.MANAGER, branch_b)


@pytest.fixture
def receptionist_a(branch_a):
    return _staff("rosa", Role.RECEPTIONIST, branch_a)


@pytest.fixture
def receptionist_b(branch_b):
    return _staff("ruby", Role.RECEPTIONIST, branch_b)


@pytest.fixture
def technician_a(branch_a):
    return _staff("thao", Role.TECHNICIAN, branch_a)


@pytest.fixture
def technician_b(branch_b):
    return _staff("trang", Role.TECHNICIAN, branch_b)


ROLES = [
    "anonymous", "owner", "manager_a", "manager_b", "receptionist_a", "receptionist_b",
    "technician_a", "technician_b",
]  # fmt: skip


@pytest.fixture
def people(owner, manager_a, manager_b, receptionist_a, receptionist_b, technician_a, technician_b):
    """Every persona by role name, for permission matrices (anonymous: nobody logged in)."""
    return {
        "anonymous": None, "owner": owner, "manager_a": manager_a, "manager_b": manager_b,
        "receptionist_a": receptionist_a, "receptionist_b": receptionist_b,
        "technician_a": technician_a, "technician_b": technician_b,
    }  # fmt: skip


def statuses(http, people, url, method="get", data=None) -> list[int]:
    """The status code each persona gets for one request, in ROLES order."""
    got = []
    for role in ROLES:
        http.logout()
        if people[role] is not None:
            http.force_login(people[role])
        got.append(getattr(http, method)(url, data or {}).status_code)
    return got


@pytest.fixture
def make_client(receptionist_a):
    """Create a client through the real service (audit entry, keys and all)."""

    def make(full_name="Nguyễn Thị Hoa", *, phone=None, branch=None, actor=None, **fields):
        actor = actor or receptionist_a
        return client_create(
            actor=actor,
            fields={"full_name": full_name, "branch": branch or actor.branch, **fields},
            phones=[PhoneInput(phone=parse_phone(phone or next_phone()))],
            confirm_different=True,
        )

    return make


@pytest.fixture
def aha(db):
    # get_or_create: transactional tests flush the rows the data migration made.
    allergen, _created = Allergen.objects.get_or_create(
        code="aha", defaults={"name_vi": "AHA", "name_en": "AHA", "name_zh": "果酸 (AHA)"}
    )
    return allergen


@pytest.fixture
def catalogue(branch_a, aha):
    """A facial (with an AHA peel product) and a laser service with safety rules."""
    from decimal import Decimal

    from spa.catalog.models import Product, ProductKind, Service, ServiceCategory, ServicePrice
    from spa.catalog.services import stock_receive

    face = ServiceCategory.objects.create(name="Chăm sóc da mặt")
    facial = Service.objects.create(name="Peel da AHA", category=face, duration_minutes=60)
    ServicePrice.objects.create(service=facial, branch=branch_a, price=450_000)
    laser = Service.objects.create(name="Triệt lông laser", category=face, duration_minutes=30)
    ServicePrice.objects.create(service=laser, branch=branch_a, price=800_000)
    peel = Product.objects.create(
        name="Dung dịch peel AHA 30%", sku="PEEL-AHA", kind=ProductKind.BACKBAR
    )
    peel.allergens.add(aha)
    cleanser = Product.objects.create(
        name="Sữa rửa mặt dịu nhẹ", sku="CLEAN-1", kind=ProductKind.BACKBAR
    )
    sunscreen = Product.objects.create(
        name="Kem chống nắng SPF50", sku="SUN-50", kind=ProductKind.RETAIL, retail_price=390_000
    )
    for product in (peel, cleanser, sunscreen):
        stock_receive(actor=None, product=product, branch=branch_a, quantity=Decimal("100"))
    return {
        "facial": facial, "laser": laser, "peel": peel, "cleanser": cleanser, "sunscreen": sunscreen,
    }  # fmt: skip


@pytest.fixture
def working_week(technician_a, branch_a, catalogue):
    """technician_a and a second technician work 08:00-12:00 and 13:00-20:00 every day;
    branch A has two rooms and one laser machine."""
    from datetime import time

    from spa.booking.models import Shift
    from spa.catalog.models import Resource, ResourceKind

    second = _staff("thu", Role.TECHNICIAN, branch_a)
    for person in (technician_a, second):
        for day in range(7):
            Shift.objects.create(staff=person, weekday=day, start=time(8), end=time(12))
            Shift.objects.create(staff=person, weekday=day, start=time(13), end=time(20))
    rooms = [
        Resource.objects.create(branch=branch_a, name=f"Phòng {n}", kind=ResourceKind.ROOM)
        for n in (1, 2)
    ]
    machine = Resource.objects.create(branch=branch_a, name="Máy laser", kind=ResourceKind.MACHINE)
    catalogue["facial"].resource_kinds = ["room"]
    catalogue["facial"].save()
    catalogue["laser"].resource_kinds = ["room", "machine"]
    catalogue["laser"].save()
    return {"technicians": [technician_a, second], "rooms": rooms, "machine": machine}


def tomorrow_at(hour: int, minute: int = 0):
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))
