"""The first run of a new spa (started with NO_DEMO=1): while no member of staff exists,
/welcome/ creates the spa's name, its first branch and the owner's account — no command
line and no Django admin. Once anyone exists the page is gone (404)."""

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from spa.accounts.models import Branch, Role, SpaSettings, User
from spa.office.audit import record_settings_change


class AlreadySetUp(Exception):
    pass


@dataclass
class FirstRun:
    spa_name: str
    branch_name: str
    branch_code: str
    branch_address: str
    branch_phone: str
    full_name: str
    username: str
    password: str
    language: str


def needs_first_run() -> bool:
    return not User.objects.exists()


def _split_name(full_name: str) -> tuple[str, str]:
    """Vietnamese order: family name first, given name last."""
    parts = full_name.split()
    if len(parts) < 2:
        return "", full_name.strip()
    return " ".join(parts[:-1]), parts[-1]


def first_run(data: FirstRun) -> User:
    """Create the spa, its first branch and its owner, once. Two browsers submitting at
    the same moment: the settings row is locked, and the second finds the owner."""
    with transaction.atomic():
        spa = SpaSettings.current()
        spa = SpaSettings.objects.select_for_update().get(pk=spa.pk)
        if User.objects.exists():
            raise AlreadySetUp
        family, given = _split_name(data.full_name)
        owner = User(username=data.username, role=Role.OWNER, branch=None,
                     last_name=family, first_name=given, language=data.language)  # fmt: skip
        validate_password(data.password, owner)
        owner.set_password(data.password)
        owner.save()
        spa.name = data.spa_name
        spa.save(update_fields=["name"])
        branch = Branch.objects.create(
            name=data.branch_name, code=data.branch_code, address=data.branch_address,
            phone=data.branch_phone,
        )  # fmt: skip
        record_settings_change(actor=owner, obj=spa, before={}, after={"name": spa.name})
        record_settings_change(actor=owner, obj=branch, before={})
    return owner
