"""Speed of the appointment book: a branch with 30 technicians and 400 appointments a day.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench_booking .venv/bin/python bench/booking_calendar.py
    DATABASE_URL=sqlite:///var/bench_booking.sqlite3 .venv/bin/python bench/booking_calendar.py

Migrates the (separate, 'bench'-named) database, books the day through the real service
(holds, reminders, audit) once, then prints p50 / p95 server time of the day view, of
finding free slots for a service over the next 14 days, and of one booking.
"""

import os
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _common import setup_django, summary_ms  # noqa: E402

TECHNICIANS, ROOMS, PER_TECH = 30, 12, 14  # 30 x 14 = 420 bookings tried, ~400 fit


def build():
    from django.core.management import call_command
    from django.utils import timezone

    from spa.accounts.models import Branch, Role, User
    from spa.booking.models import Appointment, Shift
    from spa.booking.services import Booking, SlotTaken, appointment_book
    from spa.catalog.models import Resource, ResourceKind, Service, ServiceCategory, ServicePrice
    from spa.clients.services import PhoneInput, client_create
    from spa.core.phone import parse_phone

    call_command("migrate", verbosity=0)
    branch, created = Branch.objects.get_or_create(code="cal", defaults={"name": "Bench calendar"})
    day = timezone.localdate() + timedelta(days=1)
    if not created and Appointment.objects.filter(branch=branch).count() >= 380:
        return branch, day
    desk = User.objects.create_user("cal.desk", password="x", role=Role.RECEPTIONIST, branch=branch)
    techs = []
    for n in range(TECHNICIANS):
        tech = User.objects.create_user(f"cal.t{n:02d}", password="x", role=Role.TECHNICIAN, branch=branch,
                                        last_name="Kỹ thuật viên", first_name=f"{n:02d}")  # fmt: skip
        for weekday in range(7):
            Shift.objects.create(staff=tech, weekday=weekday, start=clock(8), end=clock(12))
            Shift.objects.create(staff=tech, weekday=weekday, start=clock(13), end=clock(21))
        techs.append(tech)
    for n in range(ROOMS):
        Resource.objects.create(branch=branch, name=f"Phòng {n + 1}", kind=ResourceKind.ROOM)
    category, _ = ServiceCategory.objects.get_or_create(name="Bench")
    service, _ = Service.objects.get_or_create(name="Bench 45", category=category,
                                               defaults={"duration_minutes": 45, "resource_kinds": []})  # fmt: skip
    ServicePrice.objects.get_or_create(service=service, branch=branch, defaults={"price": 300_000})
    clients = [
        client_create(
            actor=desk,
            fields={"full_name": f"Khách Lịch {n}", "branch": branch},
            phones=[PhoneInput(parse_phone(f"0356{n:06d}"))],
            confirm_different=True,
        )  # fmt: skip
        for n in range(200)
    ]
    started = time.perf_counter()
    booked = 0
    for i, tech in enumerate(techs):
        slot = timezone.make_aware(datetime.combine(day, clock(8)))
        for k in range(PER_TECH):
            try:
                appointment_book(actor=desk, data=Booking(client=clients[(i * PER_TECH + k) % 200], branch=branch,
                                                          services=[service], start=slot, technician=tech))  # fmt: skip
                booked += 1
            except SlotTaken:
                pass
            slot += timedelta(minutes=45)
            if clock(12) <= timezone.localtime(slot).time() < clock(13):
                slot = timezone.make_aware(datetime.combine(day, clock(13)))
    print(f"booked {booked} appointments in {time.perf_counter() - started:.1f} s")
    return branch, day


def main() -> None:
    os.environ.setdefault("HUEY_IMMEDIATE", "true")  # no worker needed to measure pages
    setup_django()
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import setup_test_environment

    from spa.accounts.models import User
    from spa.booking.models import Appointment
    from spa.booking.selectors import free_slots
    from spa.booking.services import Booking, appointment_book
    from spa.catalog.models import Service
    from spa.clients.models import Client

    setup_test_environment()
    branch, day = build()
    count = Appointment.objects.filter(branch=branch, start__date=day).count()
    print(
        f"database: {connection.vendor}; branch with 30 technicians, {count} appointments on {day}"
    )
    desk = User.objects.get(username="cal.desk")
    http = HttpClient()
    http.force_login(desk)
    url = f"/calendar/?date={day.isoformat()}"
    for _ in range(3):
        assert http.get(url).status_code == 200
    times = []
    for _ in range(30):
        start = time.perf_counter()
        http.get(url)
        times.append(time.perf_counter() - start)
    print(
        f"{'day view (30 columns, ~400 appointments)':<45} p50 {summary_ms(times)[0]:7.1f} ms  p95 {summary_ms(times)[1]:7.1f} ms"
    )

    service = Service.objects.get(name="Bench 45")
    times = []
    for _ in range(30):
        start = time.perf_counter()
        slots = free_slots(branch=branch, services=[service], first_day=day, days=14)
        times.append(time.perf_counter() - start)
    print(
        f"{'free slots, 14 days, 30 technicians':<45} p50 {summary_ms(times)[0]:7.1f} ms  p95 {summary_ms(times)[1]:7.1f} ms  ({len(slots)} start times)"
    )

    client = Client.objects.filter(branch=branch).first()
    times = []
    for n in range(20):
        target = day + timedelta(days=20 + n)
        start = time.perf_counter()
        appointment_book(actor=desk, data=Booking(client=client, branch=branch, services=[service],
                                                  start=datetime.combine(target, clock(10)).astimezone()))  # fmt: skip
        times.append(time.perf_counter() - start)
    print(
        f"{'book one appointment (any technician)':<45} p50 {summary_ms(times)[0]:7.1f} ms  p95 {summary_ms(times)[1]:7.1f} ms"
    )


if __name__ == "__main__":
    main()
