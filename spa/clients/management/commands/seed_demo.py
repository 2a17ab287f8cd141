import contextlib
import random
from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from spa.accounts.models import Branch, Role, SpaSettings, User
from spa.clients.demo_data import (
    DEMO_CATEGORIES,
    DEMO_PRODUCT_USES,
    DEMO_PRODUCTS,
    DEMO_SERVICES,
    OCCUPATIONS,
    STREETS,
    PersonGenerator,
)
from spa.clients.models import (
    Allergen,
    CareReason,
    Channel,
    Client,
    ClientGroup,
    ClientSource,
    ConsentMethod,
    CustomFieldDefinition,
    CustomFieldKind,
    Tag,
)
from spa.clients.services import (
    PhoneInput,
    care_link_add,
    client_consent_record,
    client_create,
    client_health_update,
)
from spa.core.phone import parse_phone

DEMO_PASSWORD = "demo1234"

STAFF = [
    # username, first name, last name, role, branch code
    ("chu", "Lan", "Phạm", Role.OWNER, None),
    ("quanly.q1", "Hương", "Trần", Role.MANAGER, "q1"),
    ("quanly.cg", "Minh", "Đỗ", Role.MANAGER, "cg"),
    ("letan.q1", "Vy", "Lê", Role.RECEPTIONIST, "q1"),
    ("letan.cg", "Ngân", "Bùi", Role.RECEPTIONIST, "cg"),
    ("ktv.q1.a", "Thảo", "Nguyễn", Role.TECHNICIAN, "q1"),
    ("ktv.q1.b", "Yến", "Võ", Role.TECHNICIAN, "q1"),
    ("ktv.cg.a", "Trang", "Hoàng", Role.TECHNICIAN, "cg"),
    ("ktv.cg.b", "Mai", "Đặng", Role.TECHNICIAN, "cg"),
]


class Command(BaseCommand):
    help = "Create a realistic demo spa (two branches, staff of every role, a few hundred clients)."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=300)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if staff exist.")

    def handle(self, *args, clients: int, if_empty: bool, **options):
        if if_empty and User.objects.exists():
            self.stdout.write("Demo data already present.")
            self.print_logins()
            return
        with transaction.atomic():
            self.seed(clients)
        self.print_logins()

    def print_logins(self):
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for user in User.objects.filter(username__in=[s[0] for s in STAFF]).select_related(
            "branch"
        ):
            branch = f" — {user.branch}" if user.branch else ""
            self.stdout.write(f"  {user.username:<12} {user.get_role_display()}{branch}")

    def seed(self, n_clients: int):
        rng = random.Random(7)
        settings_row = SpaSettings.current()
        settings_row.name = "Spa Hoa Sen"
        settings_row.save()
        branches = {
            "q1": Branch.objects.create(
                code="q1",
                name="Hoa Sen Quận 1",
                address="12 Lê Lợi, Quận 1, TP.HCM",
                phone="028 3822 1234",
            ),
            "cg": Branch.objects.create(
                code="cg",
                name="Hoa Sen Cầu Giấy",
                address="88 Xuân Thủy, Cầu Giấy, Hà Nội",
                phone="024 3756 4321",
            ),
        }
        staff = {}
        for username, first, last, role, code in STAFF:
            user = User(
                username=username, first_name=first, last_name=last, role=role,
                branch=branches.get(code), is_staff=role == Role.OWNER,
                is_superuser=role == Role.OWNER,
            )  # fmt: skip
            user.set_password(DEMO_PASSWORD)
            user.save()
            staff[username] = user
        owner = staff["chu"]
        tags = [
            Tag.objects.create(name=n)
            for n in ["VIP", "Da nhạy cảm", "Khách quen", "Sinh nhật tháng này"]
        ]
        groups = [
            ClientGroup.objects.create(name=n)
            for n in ["Khách mới", "Khách thân thiết", "Khách VIP"]
        ]
        sources = list(ClientSource.objects.all())
        CustomFieldDefinition.objects.create(
            label="Ghi chú đặc biệt", kind=CustomFieldKind.TEXT, position=1
        )
        CustomFieldDefinition.objects.create(
            label="Dịch vụ đề xuất", kind=CustomFieldKind.CHOICE, position=2,
            choices="Chăm sóc da cơ bản\nTrị mụn\nTriệt lông\nMassage body\nGội đầu dưỡng sinh",
        )  # fmt: skip
        allergens = list(Allergen.objects.all())
        technicians = {
            code: [u for u in staff.values() if u.role == Role.TECHNICIAN and u.branch == b]
            for code, b in branches.items()
        }
        generator = PersonGenerator(seed=2026)
        people = [generator.person() for _ in range(n_clients)]
        # Names the demo (and the browser test) look for, in the first branch.
        people[0].update(full_name="Nguyễn Thị Hoa", birth_date=None, phone="0912345678")
        people[1].update(full_name="Nguyễn Thị Hòa", phone="0903456789")
        people[2].update(full_name="Hoa Nguyễn Thị", phone="0987654321")
        people[3].update(full_name="王秀英", gender="female", phone="0938111222")
        used_phones = set()
        for i, person in enumerate(people):
            phone = parse_phone(person["phone"])
            if phone.e164 in used_phones:
                continue
            used_phones.add(phone.e164)
            code = "q1" if i < 4 or rng.random() < 0.55 else "cg"
            branch = branches[code]
            techs = technicians[code]
            in_charge = rng.choice(techs) if rng.random() < 0.5 else None
            fields = {
                "full_name": person["full_name"],
                "gender": person["gender"],
                "birth_date": person["birth_date"],
                "branch": branch,
                "staff_in_charge": in_charge,
                "source": rng.choice(sources),
                "group": rng.choice(groups),
                "occupation": rng.choice(OCCUPATIONS) if rng.random() < 0.5 else "",
                "address": f"{rng.randint(1, 300)} {rng.choice(STREETS)}" if rng.random() < 0.4 else "",
                "email": f"khach{i}@example.com" if rng.random() < 0.4 else "",
                "preferred_channel": rng.choice([Channel.ZALO, Channel.ZALO, Channel.SMS, Channel.EMAIL, ""]),
                "notes_preferences": rng.choice(["", "Thích phòng ấm, nhạc nhẹ", "Uống trà gừng, không đường", "Không thích nói chuyện nhiều khi làm"]),
            }  # fmt: skip
            client = client_create(
                actor=staff[f"letan.{code}"], fields=fields, phones=[PhoneInput(phone=phone)],
                tags=rng.sample(tags, k=rng.choice([0, 0, 1, 2])), confirm_different=True,
            )  # fmt: skip
            # Visits, spend and tier come from the logged sessions and their invoices.
            if rng.random() < 0.85:
                care_link_add(client=client, staff=rng.choice(techs), reason=CareReason.SERVED)
            if i == 0 or rng.random() < 0.6:
                client_health_update(
                    actor=staff[f"ktv.{code}.a"], client=client,
                    values={
                        "allergen_ids": [a.pk for a in rng.sample(allergens, k=rng.choice([0, 0, 0, 1, 2]))],
                        "conditions": rng.choice(["", "", "Huyết áp cao", "Tiểu đường type 2", "Viêm da cơ địa"]),
                        "medications": rng.choice(["", "", "Thuốc tránh thai", "Isotretinoin (đã ngưng)"]),
                        "pregnancy": rng.choice(["", "no", "no", "pregnant", "breastfeeding"]) if person["gender"] == "female" else "",
                        "skin_type": rng.choice(["", "normal", "dry", "oily", "combination", "sensitive"]),
                    },
                    confirmed=rng.random() < 0.7,
                )  # fmt: skip
            if rng.random() < 0.5:
                client_consent_record(
                    actor=staff[f"letan.{code}"], client=client,
                    channel=fields["preferred_channel"] or Channel.ZALO,
                    granted=rng.random() < 0.8, method=rng.choice(ConsentMethod.values),
                )  # fmt: skip
        self.seed_treatments(rng, branches, staff, allergens)
        _backdate_profiles(rng)
        self.seed_bookings(rng, branches, staff)
        self.seed_sales(rng, branches, staff)
        _seed_care(rng, staff)
        from spa.campaigns.demo import seed_campaigns

        seed_campaigns(staff)
        from spa.reports.rollups import rollups_rebuild

        rollups_rebuild()  # the demo's backdated history, summed for the reports
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo spa created: {len(branches)} branches, {len(staff)} staff, "
                f"{Client.objects.count()} clients (owner: {owner.username})."
            )
        )

    def seed_sales(self, rng, branches, staff):
        """Bill the logged sessions of some clients; prepaid cards, debts, a referral."""
        from spa.catalog.models import Product, ProductKind
        from spa.sales.models import LineKind, Method, Voucher
        from spa.sales.services import (
            Checkout,
            CheckoutError,
            Line,
            checkout_issue,
            deposit_take,
            prepaid_top_up,
            unbilled_packages,
            unbilled_sessions,
        )  # fmt: skip

        retail = list(Product.objects.filter(kind=ProductKind.RETAIL).order_by("id"))

        Voucher.objects.create(code="KHACHMOI", percent=15, max_uses=100)
        clients = list(
            Client.objects.filter(merged_into__isnull=True)
            .filter(Q(sessions__isnull=False) | Q(packages__isnull=False))
            .distinct()
            .select_related("branch")
            .order_by("id")
        )
        if len(clients) > 6:
            Client.objects.filter(pk=clients[5].pk).update(referrer=clients[4])
            clients[5].referrer_id = clients[4].pk
        for index, client in enumerate(clients):
            code = client.branch.code
            desk = staff[f"letan.{code}"]
            visits: dict = {}
            for session in unbilled_sessions(client):
                visits.setdefault(timezone.localdate(session.performed_at), []).append(session)
            days = sorted(visits) or [timezone.localdate()]
            if index % 4 == 0:
                top_up = prepaid_top_up(actor=desk, client=client, branch=client.branch, paid=5_000_000,
                                        bonus=500_000, method=Method.TRANSFER)  # fmt: skip
                _backdate_payment(top_up, days[0])
            for number, day in enumerate(days):
                lines = []
                for session in visits.get(day, []):
                    for service_line in session.service_lines.all():
                        if hasattr(session, "redemption"):
                            lines.append(Line(kind=LineKind.REDEMPTION, description=service_line.service.name,
                                              unit_price=0, service=service_line.service, session=session))  # fmt: skip
                        else:
                            lines.append(Line(kind=LineKind.SERVICE, description=service_line.service.name,
                                              unit_price=service_line.price, service=service_line.service,
                                              session=session))  # fmt: skip
                if number == 0:
                    for package in unbilled_packages(client):
                        lines.append(Line(kind=LineKind.PACKAGE, description=package.name,
                                          unit_price=package.to_bill, package=package))  # fmt: skip
                if retail and rng.random() < 0.25:
                    item = rng.choice(retail)
                    lines.append(Line(kind=LineKind.PRODUCT, description=item.name, product=item,
                                      unit_price=item.retail_price, quantity=rng.choice([1, 1, 2])))  # fmt: skip
                if not lines:
                    continue
                total = sum(line.amount for line in lines)
                payments, prepaid = {}, 0
                if index % 4 == 0:
                    prepaid = min(total, client.balances.filter(account="prepaid").values_list(
                        "amount", flat=True).first() or 0)  # fmt: skip
                    if total > prepaid:
                        payments = {Method.CASH: total - prepaid}
                elif index % 5 == 0 and number == len(days) - 1:
                    payments = {Method.CASH: total // 2}  # the rest stays as debt
                else:
                    payments = {
                        rng.choice(
                            [Method.CASH, Method.CARD, Method.TRANSFER, Method.EWALLET]
                        ): total
                    }
                try:
                    invoice = checkout_issue(actor=desk, data=Checkout(
                        client=client, branch=client.branch, lines=lines, payments=payments, prepaid=prepaid))  # fmt: skip
                except CheckoutError:
                    continue
                _backdate_invoice(invoice, day)
            if index % 9 == 0:
                deposit_take(actor=desk, client=client, branch=client.branch, amount=200_000)

    def seed_bookings(self, rng, branches, staff):
        _seed_bookings(self, rng, branches, staff)

    def seed_treatments(self, rng, branches, staff, allergens):
        """Catalogue with safety rules, stock, packages and a course of sessions."""
        from decimal import Decimal

        from spa.catalog.models import (
            Product,
            Resource,
            ResourceKind,
            RuleKind,
            Service,
            ServiceCategory,
            ServicePrice,
            ServiceRule,
        )  # fmt: skip
        from spa.catalog.services import stock_receive
        from spa.clients.models import Condition
        from spa.treatments.services import (
            GuardBlocked,
            ProductUse,
            SessionInput,
            package_sell,
            patch_test_record,
            session_log,
        )  # fmt: skip

        allergen = {a.code: a for a in allergens}
        condition = {c.code: c for c in Condition.objects.all()}
        cats = {
            name: ServiceCategory.objects.create(name=name, position=i)
            for i, name in enumerate(DEMO_CATEGORIES)
        }
        for branch in branches.values():
            for n in (1, 2, 3):
                Resource.objects.create(branch=branch, name=f"Phòng {n}", kind=ResourceKind.ROOM)
            Resource.objects.create(
                branch=branch, name="Máy laser Diode", kind=ResourceKind.MACHINE
            )
        catalogue = DEMO_SERVICES
        services = {}
        for name, cat, minutes, price, needs in catalogue:
            service = Service.objects.create(
                name=name, category=cats[cat], duration_minutes=minutes, resource_kinds=needs
            )
            for branch in branches.values():
                ServicePrice.objects.create(service=service, branch=branch, price=price)
                service.resources.add(*Resource.objects.filter(branch=branch, kind__in=needs))
            services[name] = service
        laser, peel = services["Triệt lông nách laser"], services["Peel da AHA"]
        ServiceRule.objects.create(service=laser, kind=RuleKind.PREGNANCY, hard=True)
        ServiceRule.objects.create(
            service=laser, kind=RuleKind.PATCH_TEST, patch_test_days=90, hard=True
        )
        ServiceRule.objects.create(
            service=laser, kind=RuleKind.CONDITION, condition=condition["epilepsy"], hard=True
        )
        ServiceRule.objects.create(
            service=laser,
            kind=RuleKind.CONDITION,
            condition=condition["photosensitivity"],
            hard=False,
        )
        ServiceRule.objects.create(service=peel, kind=RuleKind.PREGNANCY, hard=False)
        ServiceRule.objects.create(
            service=peel, kind=RuleKind.CONDITION, condition=condition["isotretinoin"], hard=True
        )
        products = DEMO_PRODUCTS
        product = {}
        for name, sku, kind, unit, tags, price in products:
            item = Product.objects.create(
                name=name, sku=sku, kind=kind, unit=unit, retail_price=price
            )
            item.allergens.add(*[allergen[t] for t in tags])
            product[sku] = item
            for branch in branches.values():
                stock_receive(
                    actor=None,
                    product=item,
                    branch=branch,
                    quantity=Decimal("2000"),
                    batch="L2026-01",
                )
        uses = DEMO_PRODUCT_USES
        now = timezone.now()
        clients = list(
            Client.objects.filter(merged_into__isnull=True)
            .select_related("branch")
            .order_by("id")[:200]
        )
        # What a client often takes between two of their usual treatments: it gives the
        # reports' "clients who had X take Y next" something true to find.
        companion = {
            "Peel da AHA": "Chăm sóc da cơ bản", "Điều trị mụn chuyên sâu": "Peel da AHA",
            "Massage body tinh dầu": "Gội đầu dưỡng sinh", "Gội đầu dưỡng sinh": "Massage body tinh dầu",
            "Chăm sóc da cơ bản": "Peel da AHA",
        }  # fmt: skip
        for index, client in enumerate(clients):
            code = client.branch.code
            tech = staff[f"ktv.{code}.a" if index % 2 else f"ktv.{code}.b"]
            name = "Peel da AHA" if index == 0 else rng.choice(list(uses))
            service = services[name]
            package = None
            if index == 0 or rng.random() < 0.3:
                package = package_sell(
                    actor=staff[f"letan.{code}"], client=client, branch=client.branch,
                    name=f"{name} 10 buổi", services=[service], total_sessions=10,
                    price=int(ServicePrice.objects.get(service=service, branch=client.branch).price * 8),
                    expires_on=(now + timedelta(days=365)).date(),
                )  # fmt: skip
            if service == laser:
                patch_test_record(actor=tech, client=client, service=laser,
                                  tested_on=(now - timedelta(days=200)).date(), result="passed")  # fmt: skip
            count = 6 if index == 0 else rng.randint(1, 8)
            # Each client has a rhythm (the laser's stays close to its patch test).
            every = 14 if service == laser or index == 0 else rng.choice([14, 21, 28, 35, 45])
            for n in range(count):
                day = timezone.localdate() - timedelta(days=every * (count - n) + rng.randint(0, 3))
                todays = service
                if n % 3 == 2 and name in companion and rng.random() < 0.7:
                    todays = services[companion[name]]
                when = timezone.make_aware(datetime.combine(
                    day, time(rng.randint(9, 19), rng.choice([0, 15, 30, 45]))))  # fmt: skip
                photos = []
                if index == 0 or rng.random() < 0.1:
                    photos = [
                        ("before", _demo_photo(rng, n, count, False)),
                        ("after", _demo_photo(rng, n, count, True)),
                    ]
                data = SessionInput(
                    client=client, branch=client.branch, performed_at=when, services=[todays],
                    technicians=[tech],
                    products=[ProductUse(product[sku], Decimal(q), "L2026-01") for sku, q in uses[todays.name]],
                    reaction=rng.choice(["", "Hơi đỏ nhẹ, hết sau 30 phút", "Không phản ứng"]),
                    result=rng.choice(["Da sáng hơn", "Mụn giảm rõ", "Khách hài lòng", "Lông thưa hơn"]),
                    satisfaction=rng.choice([4, 5, 5, None]), photos=photos,
                    package=package if package and todays == service and n < package.total_sessions else None,
                )  # fmt: skip
                try:
                    session_log(actor=tech, data=data, acknowledged=True)
                except GuardBlocked:
                    break  # a real conflict in the demo client's health: leave it for the demo


def _seed_care(rng, staff) -> None:
    """Check-ins after a peel, a few feedback rows (two low: their care tasks, one of
    them resolved)."""
    from spa.care.models import CareTask, CheckInRule
    from spa.care.services import Scores, care_task_resolve, feedback_record
    from spa.catalog.models import Service

    peel = Service.objects.filter(name="Peel da AHA").first()
    if peel is not None:
        CheckInRule.objects.create(service=peel, days=[1, 7])
    said = [
        (5, 10, "Kỹ thuật viên rất nhẹ tay, phòng sạch."), (4, 9, ""), (5, 9, "Da sáng hẳn."),
        (2, 5, "Phải chờ 20 phút dù đã đặt lịch."), (4, 8, ""), (1, 3, "Da bị đỏ rát sau peel."),
    ]  # fmt: skip
    clients = Client.objects.filter(sessions__isnull=False).distinct().order_by("pk")[: len(said)]
    for client, (overall, recommend, comment) in zip(clients, said, strict=False):
        feedback_record(
            actor=staff[f"letan.{client.branch.code}"], client=client,
            method=rng.choice(["in_person", "phone"]),
            scores=Scores(overall=overall, technician_score=min(5, overall + 1),
                          cleanliness_score=overall, recommend=recommend, comment=comment),
        )  # fmt: skip
    task = CareTask.objects.order_by("pk").first()
    if task is not None:
        care_task_resolve(actor=staff[f"quanly.{task.branch.code}"], task=task,
                          resolution="Đã gọi xin lỗi và tặng một buổi chăm sóc da.")  # fmt: skip


def _demo_moment(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(20, 0)))


def _backdate_invoice(invoice, day) -> None:
    """The demo's visits happened over the past months: so did their invoices."""
    from spa.sales.models import Invoice, LedgerEntry, Payment

    when = _demo_moment(day)
    Invoice.objects.filter(pk=invoice.pk).update(issued_at=when)
    Payment.objects.filter(invoice=invoice).update(at=when)
    LedgerEntry.objects.filter(invoice=invoice).update(at=when)
    LedgerEntry.objects.filter(payment__invoice=invoice).update(at=when)


def _backdate_payment(payment, day) -> None:
    from spa.sales.models import LedgerEntry, Payment

    when = _demo_moment(day) - timedelta(hours=2)
    Payment.objects.filter(pk=payment.pk).update(at=when)
    LedgerEntry.objects.filter(payment=payment).update(at=when)


def _backdate_profiles(rng) -> None:
    """A client of the demo became one before their first logged session, not today."""
    from django.db.models import Min

    for client_id, first in (
        Client.objects.filter(sessions__isnull=False).annotate(first=Min("sessions__performed_at"))
        .values_list("id", "first")
    ):  # fmt: skip
        Client.objects.filter(pk=client_id).update(
            created_at=first - timedelta(days=rng.randint(0, 30), hours=1)
        )


def _seed_bookings(self, rng, branches, staff):
    """Working hours for every technician and a realistic few days of appointments."""

    from spa.booking.models import Shift
    from spa.booking.services import Booking, SlotTaken, appointment_book
    from spa.catalog.models import Service

    for user in staff.values():
        if user.role != Role.TECHNICIAN:
            continue
        for day in range(7):
            if day == (user.pk % 7):  # one day off a week
                continue
            Shift.objects.create(staff=user, weekday=day, start=time(9), end=time(12))
            Shift.objects.create(staff=user, weekday=day, start=time(13), end=time(21))
    services = list(Service.objects.all())
    clients = list(Client.objects.filter(merged_into__isnull=True).select_related("branch")[:200])
    today = timezone.localdate()
    for offset in range(0, 5):
        day = today + timedelta(days=offset)
        for code, branch in branches.items():
            local = [c for c in clients if c.branch_id == branch.pk]
            for hour in (9, 10, 11, 13, 14, 15, 16, 17, 18, 19):
                if rng.random() < 0.45:
                    continue
                start = timezone.make_aware(datetime.combine(day, time(hour, rng.choice([0, 30]))))
                if start < timezone.now():
                    continue
                with contextlib.suppress(SlotTaken):  # a busy slot: skip it
                    appointment_book(
                        actor=staff[f"letan.{code}"],
                        data=Booking(client=rng.choice(local), branch=branch,
                                     services=[rng.choice(services)], start=start),
                    )  # fmt: skip


def _demo_photo(rng, n: int, count: int, after: bool) -> bytes:
    """A made-up 'skin' picture that clears up over the course (for the demo only)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), (236, 200, 178))
    draw = ImageDraw.Draw(image)
    spots = max(2, int(40 * (1 - (n + (0.5 if after else 0)) / count)))
    for _ in range(spots):
        x, y = rng.randint(20, 460), rng.randint(20, 340)
        r = rng.randint(3, 9)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(205, 110, 100))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()
