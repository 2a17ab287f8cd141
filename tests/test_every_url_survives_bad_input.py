"""Every URL pattern of the product (read from the resolver, so a new page is covered
without anyone remembering), as every role and anonymous, with malformed query
strings and POST bodies: wrong types, out-of-range dates and numbers, 10,000
characters, NUL, invalid UTF-8 percent-escapes, missing fields. No answer is a server
error, and a refused request changes nothing in the database.

Django's own admin (installer only) is left out: it is Django's code, not ours."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from conftest import ROLES, tomorrow_at
from spa.audit.models import AuditEntry
from spa.booking.models import Appointment, CalendarFeed
from spa.booking.services import Booking, appointment_book
from spa.campaigns.models import Campaign, Message, Recipient
from spa.care.models import CareTask, Feedback, QueueDone
from spa.care.services import Scores, feedback_record
from spa.care.surveys import survey_plan
from spa.catalog.models import StockMovement
from spa.clients.models import Client, ClientHealth, ClientPhone, ConsentRecord, ConsentRequest
from spa.clients.services import client_health_update, consent_request_add
from spa.clients.tests.test_views_forms import jpeg_bytes
from spa.privacy.models import Incident, IncidentChange, NotificationDraft
from spa.privacy.services import incident_create
from spa.reports.models import Segment
from spa.reports.segments import SegmentDefinition, segment_create
from spa.sales.models import Invoice, LedgerEntry, Payment, ReferralReward
from spa.sales.services import Checkout, Line, checkout_issue, deposit_take
from spa.treatments.models import SessionPhoto, TreatmentPackage, TreatmentSession
from spa.treatments.services import SessionInput, package_sell, session_log

pytestmark = pytest.mark.django_db

HUGE = "9" * 22
BAD_VALUES = ["abc", "-1", "1.5", HUGE, "0001-01-01", "9999-12-31", "31/02/2026", "x" * 10_000,
              "a\x00b", "<script>alert(1)</script>", ""]  # fmt: skip
BAD_QUERY_STRINGS = ["q=%ff%fe&date=%c3%28", "date=%00", "page=" + HUGE, "next=//evil.example"]
QUERY_NAMES = ["q", "date", "day", "page", "service", "start", "branch", "size", "next", "a",
               "b", "appointment", "technician", "language", "week", "category", "after"]  # fmt: skip
WATCHED = [Client, ClientPhone, ClientHealth, ConsentRecord, ConsentRequest, TreatmentSession,
           TreatmentPackage, SessionPhoto, Invoice, Payment, LedgerEntry, Appointment,
           StockMovement, AuditEntry, Segment, Feedback, CareTask, QueueDone, Campaign, Message,
           Recipient, Incident, IncidentChange, NotificationDraft]  # fmt: skip


def url_patterns(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _snapshot_sql() -> str:
    quote = connection.ops.quote_name
    counts = [f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in WATCHED]
    # A refused login is meant to leave its trace in the audit history.
    audit = quote(AuditEntry._meta.db_table)
    counts.append(f"(SELECT COUNT(*) FROM {audit} WHERE action <> 'login_failed')")
    return "SELECT " + ", ".join(counts)


def snapshot() -> dict:
    """How many rows each watched table holds (one query: it runs twice per request)."""
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        row = cursor.fetchone()
    names = [m.__name__ for m in WATCHED] + ["AuditEntry (not login_failed)"]
    return dict(zip(names, row, strict=True))


@pytest.fixture
def world(people, make_client, receptionist_a, technician_a, manager_a, catalogue, branch_a,
          working_week):  # fmt: skip
    """One client of branch A with something behind every kind of id in the URLs."""
    hoa = make_client("Nguyễn Thị Hoa", phone="0912345678", email="hoa@example.com")
    client_health_update(actor=technician_a, client=hoa, values={"medications": "Isotretinoin"})
    referred = make_client("Trần Thị Lan", referrer=hoa)
    session = session_log(actor=technician_a, data=SessionInput(
        client=hoa, branch=branch_a, performed_at=timezone.now() - timedelta(hours=1),
        services=[catalogue["facial"]], technicians=[technician_a],
        photos=[("before", jpeg_bytes()), ("after", jpeg_bytes())]))  # fmt: skip
    package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Peel 5",
                 services=[catalogue["facial"]], total_sessions=5, price=2_000_000)  # fmt: skip
    invoice = checkout_issue(actor=receptionist_a, data=Checkout(client=referred, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=450_000, service=catalogue["facial"])],
        payments={"cash": 450_000}))  # fmt: skip
    deposit_take(actor=receptionist_a, client=hoa, branch=branch_a, amount=200_000)
    appointment = appointment_book(actor=receptionist_a, data=Booking(
        client=hoa, branch=branch_a, services=[catalogue["facial"]], start=tomorrow_at(9),
        technician=technician_a))  # fmt: skip
    request = consent_request_add(client=hoa, channel="sms")
    feed, _created = CalendarFeed.objects.get_or_create(staff=technician_a)
    job = _import_ready(people["owner"], branch_a)
    segment = segment_create(actor=manager_a, name="Khách Zalo", definition=SegmentDefinition(
        consent_channel="zalo", had_service_id=catalogue["facial"].pk, had_within_days=183))  # fmt: skip
    invite = survey_plan(session_id=session.pk)  # planned on commit; no commit in this test
    feedback = feedback_record(actor=receptionist_a, client=hoa, method="phone",
                               scores=Scores(overall=1, comment="Chờ lâu"))  # fmt: skip
    campaign = _campaign_sent(manager_a, branch_a, segment, [hoa, referred])
    incident = incident_create(actor=manager_a, fields={
        "title": "Mất máy tính lễ tân", "detected_at": timezone.now() - timedelta(hours=3),
        "description": "Máy tính ở quầy bị lấy cắp.", "categories": ["contact", "health"],
        "branches": [branch_a], "window_start": timezone.now() - timedelta(days=1),
        "window_end": timezone.now()})  # fmt: skip
    ids = {
        "campaign_id": campaign.pk, "trigger": "birthday",
        "survey_token": invite.token, "feedback_id": feedback.pk, "task_id": feedback.task.pk,
        "client_id": hoa.pk, "request_id": request.pk, "session_id": session.pk,
        "photo_id": session.photos.first().pk, "appointment_id": appointment.pk,
        "invoice_id": invoice.pk, "reward_id": ReferralReward.objects.get().pk,
        "token": feed.token, "code": branch_a.code, "size": "thumb", "action": "x",
        "job_id": job.pk, "row_id": job.rows.filter(outcome__in=["same_row", "existing"]).first().pk,
        "segment_id": segment.pk, "incident_id": incident.pk, "audience": "authority",
        "language": "vi",
    }  # fmt: skip
    return {"people": people, "ids": ids}


def _campaign_sent(manager, branch, segment, clients):
    """A finished campaign of branch A with a recipient sent to and one not sent to."""
    from spa.campaigns.models import RecipientStatus, SkipReason, Status

    campaign = Campaign.objects.create(name="Ưu đãi sinh nhật", branch=branch, segment=segment,
                                       created_by=manager, status=Status.DONE, offer_percent=20,
                                       started_at=timezone.now(), finished_at=timezone.now())  # fmt: skip
    Message.objects.create(campaign=campaign, channel="zalo", language="vi",
                           body="Chúc mừng sinh nhật {name}! Mã {voucher} đến {expiry}.")  # fmt: skip
    sent, skipped = clients
    Recipient.objects.create(campaign=campaign, client=sent, status=RecipientStatus.SENT,
                             channel="zalo", language="vi", sent_at=timezone.now())  # fmt: skip
    Recipient.objects.create(campaign=campaign, client=skipped, status=RecipientStatus.SKIPPED,
                             reason=SkipReason.NO_CONSENT)  # fmt: skip
    return campaign


def _import_ready(owner, branch):
    """An import checked and waiting for its commit (its pages have ids in their URLs)."""
    from spa.imports import services
    from spa.imports.models import ImportJob, JobState
    from spa.imports.tests.messy import client_workbook

    data, _truth = client_workbook()
    job = services.job_create(actor=owner, branch=branch, data=data, filename="khach.xlsx")
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.ANALYSING)
    services.analyse(job.pk)
    return job


def concrete(path: str, ids: dict, *, huge=False) -> str:
    """The pattern with its converters filled: real ids, or numbers too big for any column."""

    def fill(match):
        converter, name = match.group(1), match.group(2)
        if converter == "int" and huge:
            return HUGE
        return str(ids.get(name, "1"))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, path)


def http_for(role, people) -> HttpClient:
    http = HttpClient(raise_request_exception=False)
    if people[role] is not None:
        http.force_login(people[role])
    return http


def form_fields(html: str) -> dict:
    """Each input/select/textarea name of the page, with a value a person might send."""
    fields = {}
    for _tag, name, rest in re.findall(
        r'<(input|select|textarea)[^>]*\bname="([^"]+)"([^>]*)>', html
    ):
        if name == "csrfmiddlewaretoken":
            continue
        value = re.search(r'\bvalue="([^"]*)"', rest)
        fields[name] = value.group(1) if value else "1"
    return fields


def problem(response, before, label, method) -> str | None:
    if response.status_code >= 500:
        return f"{label} -> {response.status_code}"
    # Refused: an error answer, or a form shown again. (A page served may audit its
    # reading, e.g. an export; a redirect after a POST means it was accepted.)
    refused = response.status_code >= 400 or (method == "post" and response.status_code == 200)
    if refused and snapshot() != before:
        return f"{label} was refused ({response.status_code}) but changed data"
    return None


class Requests:
    """Sends requests, each undone afterwards so that every one meets the same data, and
    collects what went wrong (all of it, not just the first)."""

    def __init__(self):
        self.problems = []

    def __call__(self, http, method, path, label, **kwargs):
        with transaction.atomic():
            before = snapshot()
            response = getattr(http, method)(path, **kwargs)
            found = problem(response, before, label, method)
            if found:
                self.problems.append(found)
            transaction.set_rollback(True)
        return response

    def assert_none(self):
        assert self.problems == [], "\n".join(self.problems[:60])


def test_every_page_answers_every_role_without_a_server_error(world):
    run = Requests()
    for path in url_patterns():
        for role in ROLES:
            http = http_for(role, world["people"])
            for huge in (False, True):
                url = concrete(path, world["ids"], huge=huge)
                run(http, "get", url, f"GET {url} as {role}")
                run(http, "post", url, f"POST {url} as {role} (empty)")
    run.assert_none()


@pytest.mark.parametrize("role", ["anonymous", "owner", "receptionist_b", "technician_a"])
def test_malformed_query_strings_never_cause_a_server_error(world, role):
    run = Requests()
    http = http_for(role, world["people"])
    for path in url_patterns():
        url = concrete(path, world["ids"])
        for value in BAD_VALUES:
            run(http, "get", url, f"GET {url}?…={value[:20]!r} as {role}",
                data={name: value for name in QUERY_NAMES})  # fmt: skip
        for raw in BAD_QUERY_STRINGS:
            run(http, "get", url, f"GET {url}?{raw} as {role}", QUERY_STRING=raw)
    run.assert_none()


@pytest.mark.parametrize("role", ["owner", "receptionist_a", "technician_a"])
def test_malformed_form_posts_never_cause_a_server_error_or_half_save(world, role):
    run = Requests()
    http = http_for(role, world["people"])
    for path in url_patterns():
        url = concrete(path, world["ids"])
        page = http.get(url)
        html = page.status_code == 200 and page["Content-Type"].startswith("text/html")
        fields = form_fields(page.content.decode(errors="replace")) if html else {}
        if not fields:
            continue
        # Each field in turn carries each bad value; the others are as the page offers them.
        for name in fields:
            for value in ("abc", HUGE, "x" * 10_000, "a\x00b", "-1", "0001-01-01"):
                run(http, "post", url, f"POST {url} {name}={value[:20]!r} as {role}",
                    data={**fields, name: value})  # fmt: skip
        for name in fields:  # and each field missing
            run(http, "post", url, f"POST {url} without {name} as {role}",
                data={k: v for k, v in fields.items() if k != name})  # fmt: skip
        run(http, "post", url, f"POST {url} invalid UTF-8 as {role}",
            data=b"a=%ff%fe&" + b"&".join(f"{k}=%c3%28".encode() for k in fields),
            content_type="application/x-www-form-urlencoded")  # fmt: skip
    run.assert_none()
