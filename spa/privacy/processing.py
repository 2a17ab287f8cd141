"""The records of processing (Decree 356/2025, GDPR Art. 30), generated from what this
installation actually holds: each category of personal data with its live count, purpose,
legal basis and retention; where it is stored; which outside services receive it.
Secrets (database password, gateway tokens, SMTP password, S3 keys) are never read out."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from spa.accounts.models import SpaSettings


@dataclass
class Category:
    key: str
    name: str
    holds: str
    count: int
    purpose: str
    basis: str
    retention: str


def _table() -> list[tuple]:
    """(key, model, filter, name, what it holds, purpose, legal basis), in the reader's
    language."""
    return [
        ("clients", "clients.Client", {"merged_into__isnull": True}, _("Client profiles"),
         _("Name, gender, date of birth, e-mail, address, social accounts, branch, notes"),
         _("Keeping the client's record, bookings and service"),
         _("Performance of the service agreed with the client")),
        ("phones", "clients.ClientPhone", {}, _("Phone numbers"),
         _("The client's phone numbers"),
         _("Finding the client, reminders and replies"),
         _("Performance of the service agreed with the client")),
        ("health", "clients.ClientHealth", {}, _("Health sections"),
         _("Allergies, conditions, medications, pregnancy, skin (encrypted)"),
         _("Safe treatment: allergy alerts and contraindications"),
         _("Explicit consent of the client (sensitive data)")),
        ("profile_photos", "clients.Client", {"merged_into__isnull": True, "photo__gt": ""},
         _("Profile photos"), _("A photo of the client (metadata removed)"),
         _("Recognising the client at the desk"), _("Consent of the client")),
        ("session_photos", "treatments.SessionPhoto", {}, _("Treatment photos"),
         _("Before and after photos of treatments (metadata removed)"),
         _("Following the result of a treatment"),
         _("Explicit consent of the client (sensitive data)")),
        ("sessions", "treatments.TreatmentSession", {}, _("Treatment sessions"),
         _("Services, products used, reactions, results, notes"),
         _("The treatment log of the client's care"),
         _("Performance of the service; consent for health details")),
        ("appointments", "booking.Appointment", {}, _("Appointments"),
         _("Date, services, staff, branch"), _("Bookings and reminders"),
         _("Performance of the service agreed with the client")),
        ("invoices", "sales.Invoice", {}, _("Invoices"),
         _("What was sold, to whom, amounts"), _("Accounting and tax"),
         _("Legal obligation (accounting documents are kept 10 years)")),
        ("payments", "sales.Payment", {}, _("Payments"),
         _("Amounts, method, date"), _("Accounting and tax"),
         _("Legal obligation (accounting documents are kept 10 years)")),
        ("consents", "clients.ConsentRecord", {}, _("Consent records"),
         _("Each consent given or withdrawn: channel, when, how, by whom"),
         _("Proof of the client's consent"), _("Legal obligation (proof of consent)")),
        ("feedback", "care.Feedback", {}, _("Feedback"),
         _("Scores and comments after a visit"), _("Quality of service and care"),
         _("Consent of the client (answering is optional)")),
        ("history", "audit.AuditEntry", {}, _("Change history"),
         _("Who changed or exported which record, and when"),
         _("Security and accountability"), _("Legal obligation (security of processing)")),
        ("staff", "accounts.User", {"is_active": True}, _("Staff accounts"),
         _("Name, login, role, branch"), _("Access to the records by role"),
         _("Employment contract")),
    ]  # fmt: skip


def retention_periods() -> dict[str, int]:
    """Days each category is kept, from settings.RETENTION_DAYS ({"health": 1825, ...}).
    When the retention engine (issue 14, item 6) keeps its periods elsewhere, read them
    here: the page shows whatever this returns."""
    periods = dict(getattr(settings, "RETENTION_DAYS", None) or {})
    return {k: int(v) for k, v in periods.items() if str(v).isdigit()}


def _retention_text(days: int | None) -> str:
    if days is None:
        return _("Not set")
    return _("%(days)s days") % {"days": f"{days:,}".replace(",", ".")}


def categories() -> list[Category]:
    """Every category with its live count."""
    periods = retention_periods()
    out = []
    for key, label, filters, name, holds, purpose, basis in _table():
        count = apps.get_model(label).objects.filter(**filters).count()
        out.append(Category(key, str(name), str(holds), count, str(purpose), str(basis),
                            _retention_text(periods.get(key))))  # fmt: skip
    return out


def consent_figures() -> list[tuple[str, int]]:
    """(channel, clients whose latest consent on it is a yes)."""
    from django.db.models import OuterRef, Subquery

    from spa.clients.models import Channel, ConsentRecord

    latest = ConsentRecord.objects.filter(
        client=OuterRef("client"), channel=OuterRef("channel")
    ).order_by("-recorded_at", "-id")
    current = ConsentRecord.objects.filter(pk=Subquery(latest.values("pk")[:1]), granted=True)
    labels = dict(Channel.choices)
    counts = {c: 0 for c in labels}
    for channel in current.values_list("channel", flat=True):
        counts[channel] = counts.get(channel, 0) + 1
    return [(str(labels[c]), n) for c, n in counts.items() if c in labels]


def _host(url: str | None) -> str:
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    # Only the host: a URL may carry a user and password or a token in its query.
    return parts.hostname or ""


@dataclass
class Place:
    what: str
    where: str


def storage_places() -> list[Place]:
    """Where the data is: the database (engine and host, never its password) and the
    photo storage (a local folder or an S3 bucket)."""
    db = settings.DATABASES["default"]
    vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL"}.get(
        connection.vendor, connection.vendor
    )
    if connection.vendor == "sqlite":
        where = _("%(engine)s file on this computer: %(name)s") % {
            "engine": vendor, "name": db.get("NAME", "")}  # fmt: skip
    else:
        host = db.get("HOST") or _("this computer")
        port = f":{db['PORT']}" if db.get("PORT") else ""
        where = _("%(engine)s server %(host)s, database %(name)s") % {
            "engine": vendor, "host": f"{host}{port}", "name": db.get("NAME", "")}  # fmt: skip
    places = [Place(_("Database (every record; health data encrypted)"), where)]
    storage = settings.STORAGES["default"]
    options = storage.get("OPTIONS", {})
    if "s3" in storage["BACKEND"].lower():
        endpoint = _host(options.get("endpoint_url")) or "Amazon S3"
        region = options.get("region_name") or ""
        where = _("S3 bucket %(bucket)s at %(endpoint)s") % {
            "bucket": options.get("bucket_name", ""), "endpoint": endpoint}  # fmt: skip
        if region:
            where += f" ({region})"
    else:
        where = _("Folder on this computer: %(path)s") % {"path": options.get("location", "")}
    places.append(Place(_("Photos and files"), where))
    return places


@dataclass
class Recipient:
    service: str
    host: str
    receives: str


def outside_services() -> list[Recipient]:
    """The services outside this installation that receive personal data, as configured."""
    spa = SpaSettings.current()
    out = []
    sms, zalo = _host(spa.sms_gateway_url), _host(spa.zalo_gateway_url)
    if sms:
        out.append(
            Recipient(
                _("SMS gateway"),
                sms,
                _("Phone number and message text (reminders, codes, campaigns)"),
            )
        )
    if zalo:
        out.append(
            Recipient(
                _("Zalo gateway"),
                zalo,
                _("Phone number and message text (reminders, codes, campaigns)"),
            )
        )
    smtp = spa.smtp_host
    if not smtp and settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        smtp = settings.EMAIL_HOST
    if smtp:
        out.append(Recipient(_("E-mail server (SMTP)"), smtp,
                             _("E-mail address and message text")))  # fmt: skip
    storage = settings.STORAGES["default"]
    if "s3" in storage["BACKEND"].lower():
        options = storage.get("OPTIONS", {})
        out.append(Recipient(_("Object storage (S3)"),
                             _host(options.get("endpoint_url")) or "Amazon S3",
                             _("Client and treatment photos")))  # fmt: skip
    return out
