"""Rollups: the business summed per day (and per client) beside the raw rows.

Every table here is derived: it can be dropped and rebuilt from invoices, payments,
sessions and appointments (`manage.py rollups_rebuild`). A write that changes raw rows
leaves a *mark* in its own transaction (the branch and day it touched, the client it
touched); `spa.reports.rollups.rollups_refresh` recomputes the marked buckets from the
raw rows — delete and insert — so a bucket always equals the raw aggregation. Client
ids are plain integers, not foreign keys: a merge moves every row that points at a
client, and these must instead be recomputed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext_lazy as _


class Derived(models.Model):
    """A row computed from others: it names itself by its fields, for the shell and logs."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        fields = (f.attname for f in self._meta.concrete_fields)
        return (
            f"{type(self).__name__}(" + ", ".join(f"{n}={getattr(self, n)}" for n in fields) + ")"
        )


# --- Marks: what needs recomputing ----------------------------------------------------


class DayMark(Derived):
    """A branch's day whose sales, sessions or appointments changed."""

    branch_id = models.IntegerField()
    day = models.DateField()
    # Sessions changed too: the month's heat map and age/gender split need recomputing.
    sessions = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["branch_id", "day"], name="daymark_bucket")]


class ClientMark(Derived):
    """A client whose record, visits or money changed (or who was merged or erased)."""

    client_id = models.IntegerField(db_index=True)


class RollupLock(Derived):
    """One row: a refresh holds it (SELECT … FOR UPDATE) so two never interleave."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    refreshed_at = models.DateTimeField(null=True)
    nightly_at = models.DateTimeField(null=True)


# --- Per branch and day, and per branch and month --------------------------------------
#
# Each figure table exists twice: per day (recomputed from the raw rows) and per month
# (recomputed from its days), so a year of a chain reads twelve months, not 365 days.
# KEYS are what a row is unique by besides its date; every other number is a sum.


def _bucket(model_name: str, date_field: str, keys: tuple[str, ...]):
    """The unique constraint and the (branch, date) index of one figure table."""
    short = model_name.lower()
    return {
        "constraints": [
            models.UniqueConstraint(fields=[date_field, *keys], name=f"{short}_bucket")
        ],
        "indexes": [models.Index(fields=["branch_id", date_field], name=f"{short}_branch_date")],
    }


class SalesFigures(Derived):
    """Invoice lines summed by what was sold (credit notes apart, with negative sums)."""

    KEYS = ("branch_id", "credit", "kind", "service_id", "product_id")
    branch_id = models.IntegerField()
    credit = models.BooleanField()  # from credit notes
    kind = models.CharField(max_length=12)  # LineKind
    category_id = models.IntegerField()  # 0: none (a product, a package)
    service_id = models.IntegerField()  # 0: none
    product_id = models.IntegerField()  # 0: none
    lines = models.IntegerField()
    quantity = models.BigIntegerField()
    gross = models.BigIntegerField()  # quantity × unit price
    discount = models.BigIntegerField()  # discounts on the lines
    amount = models.BigIntegerField()

    class Meta:
        abstract = True


class SalesDay(SalesFigures):
    day = models.DateField()

    class Meta:
        constraints = _bucket("SalesDay", "day", SalesFigures.KEYS)["constraints"]
        indexes = _bucket("SalesDay", "day", SalesFigures.KEYS)["indexes"]


class SalesMonth(SalesFigures):
    month = models.DateField()

    class Meta:
        constraints = _bucket("SalesMonth", "month", SalesFigures.KEYS)["constraints"]
        indexes = _bucket("SalesMonth", "month", SalesFigures.KEYS)["indexes"]


class InvoiceFigures(Derived):
    """Invoices and credit notes summed per branch."""

    KEYS = ("branch_id", "credit")
    branch_id = models.IntegerField()
    credit = models.BooleanField()
    invoices = models.IntegerField()
    subtotal = models.BigIntegerField()
    discount = models.BigIntegerField()  # every discount: lines, invoice %, tier, voucher, points
    total = models.BigIntegerField()
    debt_created = models.BigIntegerField()

    class Meta:
        abstract = True


class InvoiceDay(InvoiceFigures):
    day = models.DateField()

    class Meta:
        constraints = _bucket("InvoiceDay", "day", InvoiceFigures.KEYS)["constraints"]
        indexes = _bucket("InvoiceDay", "day", InvoiceFigures.KEYS)["indexes"]


class InvoiceMonth(InvoiceFigures):
    month = models.DateField()

    class Meta:
        constraints = _bucket("InvoiceMonth", "month", InvoiceFigures.KEYS)["constraints"]
        indexes = _bucket("InvoiceMonth", "month", InvoiceFigures.KEYS)["indexes"]


class PaymentFigures(Derived):
    """Money in and out by method and purpose."""

    KEYS = ("branch_id", "method", "purpose")
    branch_id = models.IntegerField()
    method = models.CharField(max_length=10)
    purpose = models.CharField(max_length=10)
    payments = models.IntegerField()
    amount = models.BigIntegerField()

    class Meta:
        abstract = True


class PaymentDay(PaymentFigures):
    day = models.DateField()

    class Meta:
        constraints = _bucket("PaymentDay", "day", PaymentFigures.KEYS)["constraints"]
        indexes = _bucket("PaymentDay", "day", PaymentFigures.KEYS)["indexes"]


class PaymentMonth(PaymentFigures):
    month = models.DateField()

    class Meta:
        constraints = _bucket("PaymentMonth", "month", PaymentFigures.KEYS)["constraints"]
        indexes = _bucket("PaymentMonth", "month", PaymentFigures.KEYS)["indexes"]


class ServiceFigures(Derived):
    """Services performed (sessions done) per service."""

    KEYS = ("branch_id", "service_id")
    branch_id = models.IntegerField()
    service_id = models.IntegerField()
    category_id = models.IntegerField()
    sessions = models.IntegerField()
    revenue = models.BigIntegerField()  # the service's price on the session

    class Meta:
        abstract = True


class ServiceDay(ServiceFigures):
    day = models.DateField()

    class Meta:
        constraints = _bucket("ServiceDay", "day", ServiceFigures.KEYS)["constraints"]
        indexes = _bucket("ServiceDay", "day", ServiceFigures.KEYS)["indexes"]


class ServiceMonth(ServiceFigures):
    month = models.DateField()

    class Meta:
        constraints = _bucket("ServiceMonth", "month", ServiceFigures.KEYS)["constraints"]
        indexes = _bucket("ServiceMonth", "month", ServiceFigures.KEYS)["indexes"]


class StaffFigures(Derived):
    """A technician's sessions: each session counts fully for each of its technicians."""

    KEYS = ("branch_id", "staff_id")
    branch_id = models.IntegerField()
    staff_id = models.IntegerField()
    sessions = models.IntegerField()
    revenue = models.BigIntegerField()
    rated = models.IntegerField()  # sessions with a satisfaction score
    rating_sum = models.IntegerField()
    product_uses = models.IntegerField()  # product lines used on the sessions
    rebooked = models.IntegerField()  # sessions after which the client booked again that day
    commission = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class StaffDay(StaffFigures):
    day = models.DateField()

    class Meta:
        constraints = _bucket("StaffDay", "day", StaffFigures.KEYS)["constraints"]
        indexes = _bucket("StaffDay", "day", StaffFigures.KEYS)["indexes"]


class StaffMonth(StaffFigures):
    month = models.DateField()

    class Meta:
        constraints = _bucket("StaffMonth", "month", StaffFigures.KEYS)["constraints"]
        indexes = _bucket("StaffMonth", "month", StaffFigures.KEYS)["indexes"]


class AppointmentFigures(Derived):
    """Appointments by the day they were for, by status."""

    KEYS = ("branch_id", "status")
    branch_id = models.IntegerField()
    status = models.CharField(max_length=12)
    appointments = models.IntegerField()

    class Meta:
        abstract = True


class AppointmentDay(AppointmentFigures):
    day = models.DateField()

    class Meta:
        constraints = _bucket("AppointmentDay", "day", AppointmentFigures.KEYS)["constraints"]
        indexes = _bucket("AppointmentDay", "day", AppointmentFigures.KEYS)["indexes"]


class AppointmentMonth(AppointmentFigures):
    month = models.DateField()

    class Meta:
        constraints = _bucket("AppointmentMonth", "month", AppointmentFigures.KEYS)["constraints"]
        indexes = _bucket("AppointmentMonth", "month", AppointmentFigures.KEYS)["indexes"]


# Each day table and its month twin.
TWINS = {
    SalesDay: SalesMonth, InvoiceDay: InvoiceMonth, PaymentDay: PaymentMonth,
    ServiceDay: ServiceMonth, StaffDay: StaffMonth, AppointmentDay: AppointmentMonth,
}  # fmt: skip


# --- Per branch and month (the views a day would make too fine) ----------------------


class HourMonth(Derived):
    """Services performed by weekday and hour: the heat map."""

    month = models.DateField()  # the 1st
    branch_id = models.IntegerField()
    category_id = models.IntegerField()
    weekday = models.PositiveSmallIntegerField()  # 0 Monday … 6 Sunday
    hour = models.PositiveSmallIntegerField()
    services = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "branch_id", "category_id", "weekday", "hour"],
                name="hourmonth_bucket",
            )
        ]
        indexes = [models.Index(fields=["branch_id", "month"], name="hourmonth_branch_month")]


class DemographicMonth(Derived):
    """Services performed by the client's age band (at the session) and gender."""

    month = models.DateField()
    branch_id = models.IntegerField()
    service_id = models.IntegerField()
    category_id = models.IntegerField()
    age_band = models.CharField(max_length=8)  # "" unknown, "u25", "25", "35", "45", "55"
    gender = models.CharField(max_length=10)
    services = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "branch_id", "service_id", "age_band", "gender"],
                name="demomonth_bucket",
            )
        ]
        indexes = [models.Index(fields=["branch_id", "month"], name="demomonth_branch_month")]


# --- Per client --------------------------------------------------------------------------


class ClientStats(Derived):
    """One client's visits and money, with the profile fields segments filter on, so a
    segment is counted from one narrow table."""

    client_id = models.IntegerField(primary_key=True)
    branch_id = models.IntegerField()
    source_id = models.IntegerField(null=True)
    tier = models.CharField(max_length=10)
    gender = models.CharField(max_length=10)
    birth_year = models.PositiveSmallIntegerField(null=True)
    first_visit = models.DateField(null=True)
    second_visit = models.DateField(null=True)
    last_visit = models.DateField(null=True)
    visits = models.IntegerField(default=0)  # days with a session done
    spend = models.BigIntegerField(default=0)  # invoices less credit notes
    debt = models.BigIntegerField(default=0)
    consent_sms = models.BooleanField(default=False)
    consent_zalo = models.BooleanField(default=False)
    consent_email = models.BooleanField(default=False)
    consent_phone = models.BooleanField(default=False)
    consent_wechat = models.BooleanField(default=False)
    r_score = models.PositiveSmallIntegerField(default=0)  # 1–5; 0 never came
    f_score = models.PositiveSmallIntegerField(default=0)
    m_score = models.PositiveSmallIntegerField(default=0)
    rfm_group = models.CharField(max_length=10, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["branch_id", "rfm_group"], name="cstats_branch_group"),
            models.Index(fields=["rfm_group"], name="cstats_group"),
            models.Index(fields=["first_visit"], name="cstats_first_visit"),
            models.Index(fields=["branch_id", "first_visit"], name="cstats_branch_first"),
            models.Index(fields=["spend"], name="cstats_spend"),
        ]


class DebtOpen(Derived):
    """What a client still owes, split by the day each part was left unpaid (payments
    clear the oldest first): the debts' ageing is a sum over these rows."""

    client_id = models.IntegerField(db_index=True)
    branch_id = models.IntegerField()  # the client's branch
    left_on = models.DateField()
    amount = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["branch_id", "left_on"], name="debtopen_branch_left")]


class ClientMonth(Derived):
    """A client's visits and spend in one month, at one branch."""

    client_id = models.IntegerField()
    month = models.DateField()
    branch_id = models.IntegerField()
    visits = models.IntegerField()
    spend = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client_id", "month", "branch_id"], name="clientmonth_bucket"
            )
        ]
        indexes = [models.Index(fields=["branch_id", "month"], name="clientmonth_branch_month")]


class ClientService(Derived):
    """A client's history with one service: what "due for" and recommendations read."""

    client_id = models.IntegerField()
    service_id = models.IntegerField()
    branch_id = models.IntegerField()  # the client's branch
    sessions = models.IntegerField()
    first_on = models.DateField()
    last_on = models.DateField()
    mean_interval_days = models.IntegerField(null=True)  # with 2+ sessions
    due_on = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_id", "service_id"], name="clientservice_once")
        ]
        indexes = [
            models.Index(fields=["branch_id", "due_on"], name="clientservice_branch_due"),
            models.Index(fields=["due_on"], name="clientservice_due"),
            models.Index(fields=["service_id", "last_on"], name="clientservice_service_last"),
            # Segments: "had S since …" and "never had S" read the clients from the index.
            models.Index(
                fields=["service_id", "last_on", "client_id"], name="clientservice_segment"
            ),
        ]


class CohortMonth(Derived):
    """Clients of a first-visit month (at a branch, from a source) and what they did:
    how many came back within 30/60/90 days, and how many were active each month after."""

    cohort = models.DateField()  # month of the first visit
    branch_id = models.IntegerField()
    source_id = models.IntegerField()  # 0: none
    clients = models.IntegerField()
    returned_30 = models.IntegerField()
    returned_60 = models.IntegerField()
    returned_90 = models.IntegerField()
    visits = models.IntegerField()
    spend = models.BigIntegerField()
    # Per month since the cohort's (0, 1, 2, …): clients with a visit, visits, spend.
    active = models.JSONField(default=list)
    visits_by_month = models.JSONField(default=list)
    spend_by_month = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "branch_id", "source_id"], name="cohort_bucket"
            )
        ]


class RfmCutoffs(Derived):
    """The quintile limits that turn recency, frequency and money into scores 1–5,
    recomputed nightly from every client who came."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    recency_days = models.JSONField(default=list)  # 4 limits, ascending
    visits = models.JSONField(default=list)
    spend = models.JSONField(default=list)
    computed_at = models.DateTimeField(null=True)


class ServiceStats(Derived):
    """A service's typical interval between two sessions of the same client."""

    service_id = models.IntegerField(primary_key=True)
    typical_interval_days = models.IntegerField(null=True)
    repeat_clients = models.IntegerField(default=0)


class ServicePair(Derived):
    """Clients who had `first` and then `then` within 60 days: the recommendation."""

    first_id = models.IntegerField()
    then_id = models.IntegerField()
    clients = models.IntegerField()
    lift = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first_id", "then_id"], name="servicepair_once")
        ]


# --- Segments ----------------------------------------------------------------------------


class Segment(models.Model):
    """A saved group of clients, defined by filters (spa.reports.segments): the campaigns
    send to it. The definition is re-run each time, so the members are always current."""

    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=255, blank=True)
    definition = models.JSONField(_("filters"), default=dict)
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every branch (the owner's segments)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]
        constraints = [
            # One name per branch (and once among the chain's): a campaign picks it by name.
            models.UniqueConstraint(
                Lower("name"), Coalesce("branch", Value(0)), name="segment_name_once"
            )
        ]

    def __str__(self) -> str:
        return self.name
