import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from spa.accounts.models import Branch, Role, SpaSettings, User
from spa.clients.demo_data import OCCUPATIONS, STREETS, PersonGenerator
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
    Tier,
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
        now = timezone.now()
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
                "tier": rng.choices(list(Tier.values), weights=[60, 25, 12, 3])[0],
                "notes_preferences": rng.choice(["", "Thích phòng ấm, nhạc nhẹ", "Uống trà gừng, không đường", "Không thích nói chuyện nhiều khi làm"]),
            }  # fmt: skip
            client = client_create(
                actor=staff[f"letan.{code}"], fields=fields, phones=[PhoneInput(phone=phone)],
                tags=rng.sample(tags, k=rng.choice([0, 0, 1, 2])), confirm_different=True,
            )  # fmt: skip
            visited = rng.random() < 0.85
            Client.objects.filter(pk=client.pk).update(
                last_visit_at=now - timedelta(days=rng.randint(1, 400)) if visited else None
            )
            if visited:
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
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo spa created: {len(branches)} branches, {len(staff)} staff, "
                f"{Client.objects.count()} clients (owner: {owner.username})."
            )
        )
