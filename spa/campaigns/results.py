"""What a campaign changed: the clients chosen to get it (the sent group, whatever
became of their message) beside the control group held out of it, over the same window
after each was put on the list (`attribution_days`): bookings made, vouchers redeemed
and revenue (invoices less credit notes). Comparing the whole chosen group with the
control group (not only those reached) keeps the comparison fair: both were drawn the
same way from the same audience.

The uplift is the difference of mean revenue per client, with a 95 % interval from the
normal approximation (Welch's standard error). Every figure comes from one query over
the campaign's recipients, whatever their number."""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from spa.booking.models import Appointment
from spa.campaigns.models import Campaign, Recipient, RecipientStatus
from spa.core.money import format_money
from spa.sales.models import Invoice

Z95 = 1.96
MIN_GROUP = 20  # fewer clients on either side: too few to tell anything


@dataclass
class Group:
    clients: int = 0
    delivered: int = 0
    clicked: int = 0
    redeemed: int = 0
    booked: int = 0  # clients who booked at least once
    bookings: int = 0
    revenue: int = 0
    sum_sq: float = 0.0

    @property
    def revenue_per_client(self) -> float:
        return self.revenue / self.clients if self.clients else 0.0

    @property
    def variance(self) -> float:
        if self.clients < 2:
            return 0.0
        mean = self.revenue_per_client
        return max((self.sum_sq - self.clients * mean * mean) / (self.clients - 1), 0.0)

    def share(self, n: int) -> float:
        return 100 * n / self.clients if self.clients else 0.0


@dataclass
class Results:
    sent: Group
    control: Group
    uplift: float
    low: float
    high: float
    enough: bool
    verdict: str


def _window_end(days: int):
    return ExpressionWrapper(OuterRef("created_at") + timedelta(days=days),
                             output_field=DateTimeField())  # fmt: skip


def campaign_results(campaign: Campaign) -> Results:
    """The sent group against the control group (one query)."""
    days = campaign.attribution_days
    invoices = (
        Invoice.objects.filter(client_id=OuterRef("client_id"), issued_at__gte=OuterRef("created_at"),
                               issued_at__lt=_window_end(days))
        .order_by().values("client_id").annotate(s=Sum("total")).values("s")
    )  # fmt: skip
    bookings = (
        Appointment.objects.filter(client_id=OuterRef("client_id"),
                                   created_at__gte=OuterRef("created_at"),
                                   created_at__lt=_window_end(days))
        .order_by().values("client_id").annotate(n=Count("id")).values("n")
    )  # fmt: skip
    rows = (
        Recipient.objects.filter(campaign=campaign)
        .annotate(
            revenue=Coalesce(Subquery(invoices), Value(0), output_field=IntegerField()),
            booked=Coalesce(Subquery(bookings), Value(0), output_field=IntegerField()),
        )
        .values_list("status", "clicked_at", "voucher__used", "revenue", "booked")
    )
    sent, control = Group(), Group()
    for status, clicked_at, used, revenue, booked in rows.iterator(chunk_size=5000):
        g = control if status == RecipientStatus.CONTROL else sent
        g.clients += 1
        g.delivered += status == RecipientStatus.SENT
        g.clicked += clicked_at is not None
        g.redeemed += bool(used)
        g.bookings += booked
        g.booked += booked > 0
        g.revenue += revenue
        g.sum_sq += float(revenue) ** 2
    uplift = sent.revenue_per_client - control.revenue_per_client
    se = math.sqrt(sent.variance / sent.clients + control.variance / control.clients) if (
        sent.clients and control.clients) else 0.0  # fmt: skip
    low, high = uplift - Z95 * se, uplift + Z95 * se
    enough = sent.clients >= MIN_GROUP and control.clients >= MIN_GROUP
    return Results(sent, control, uplift, low, high, enough, _verdict(enough, uplift, low, high))


def _verdict(enough: bool, uplift: float, low: float, high: float) -> str:
    if not enough or (low <= 0 <= high):
        return _("Not enough evidence yet: the difference could be chance.")
    amount = format_money(round(abs(uplift)))
    if low > 0:
        return _("The campaign brought about %(amount)s more revenue per client.") % {
            "amount": amount}  # fmt: skip
    return _("Clients who got the campaign spent about %(amount)s less per client.") % {
        "amount": amount}  # fmt: skip
