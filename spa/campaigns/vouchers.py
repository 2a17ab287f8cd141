"""A campaign's offer: one voucher per recipient, for that client only.

The code is short and readable aloud at the desk (no 0/O, 1/I/L), unique in the
database; valid `offer_valid_days` from the day it is made (a birthday offer: through
the birthday's month), `offer_uses` uses. Checkout refuses it for another client
(spa/sales/services.py)."""

import calendar
import secrets
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from spa.sales.models import Voucher

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def valid_until(campaign, run: str, client, today: date | None = None) -> date:
    """The voucher's last valid day: N days from today, or the end of the birthday month
    for the birthday automation (run = the birthday's year)."""
    today = today or timezone.localdate()
    if (
        campaign.trigger == "birthday"
        and client is not None
        and client.birth_date
        and run.isdigit()
    ):
        birthday = _birthday_in(client.birth_date, int(run))
        return max(month_end(birthday), today)
    return today + timedelta(days=campaign.offer_valid_days)


def _birthday_in(born: date, year: int) -> date:
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return born.replace(year=year)


def vouchers_issue(campaign, recipients: list, clients: dict) -> dict[int, int]:
    """Make the vouchers of these recipients (rows without one yet), in the caller's
    transaction: {recipient id: voucher id}."""
    if not campaign.has_offer:
        return {}
    todo = [r for r in recipients if not r.voucher_id and r.client_id]
    for _try in range(5):
        rows = [
            Voucher(
                code=new_code(),
                percent=campaign.offer_percent,
                amount=campaign.offer_amount,
                max_uses=max(campaign.offer_uses, 1),
                client_id=r.client_id,
                valid_until=valid_until(campaign, r.run, clients.get(r.client_id)),
            )  # fmt: skip
            for r in todo
        ]
        try:
            with transaction.atomic():
                made = Voucher.objects.bulk_create(rows)
        except IntegrityError:
            continue  # a code already taken (about once in 10^12): draw them again
        return {r.pk: v.pk for r, v in zip(todo, made, strict=True)}
    raise RuntimeError("could not draw unique voucher codes")
