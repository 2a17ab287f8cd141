"""No English word, raw code or Python value shows in the Vietnamese or Chinese UI.

Every page of the product (the same URL enumeration as
test_every_url_survives_bad_input.py, so a new page is covered without anyone
remembering) is opened once per language as the owner and as a receptionist, over a
spa with something behind every page: sessions with photos, packages, invoices, debt,
deposits, prepaid money, appointments in several states, consents, patch tests,
health data. The page's *visible* text (tags, scripts, styles and attribute values
removed) must contain none of the MARKERS below; each failure names the page and the
marker.

To extend: add a word to MARKERS (matched as a whole word, case-insensitive), a
pattern to RAW_PATTERNS, or a URL whose page needs more than the enumeration gives to
EXTRA_URLS; a page that is not HTML for people (a PDF, a calendar feed) goes in
NOT_A_PAGE."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from conftest import tomorrow_at
from spa.booking.services import Booking, appointment_book, appointment_cancel
from spa.clients.services import client_consent_record, client_health_update, client_update
from spa.sales.services import Checkout, Line, checkout_issue, debt_pay, prepaid_top_up
from spa.treatments.services import patch_test_record
from tests.test_every_url_survives_bad_input import concrete, url_patterns, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

# English words and codes that must never be visible in the vi / zh UI.
MARKERS = [
    # Python and Django leaking through
    "None", "True", "False", "Django", "null", "undefined", "nan",
    # field names and codes
    "full_name", "custom_fields", "birth_date", "given_name", "primary_phone",
    "preferred_channel", "staff_in_charge", "appointment_status", "checked_in", "no_show",
    "cash", "card", "transfer", "prepaid", "earned", "spent", "invoice", "credit_note",
    "bronze", "silver", "gold", "diamond", "booked", "cancelled", "completed", "pending",
    "granted", "withdrawn", "forfeited", "refund",
    # English UI words
    "Save", "Cancel", "Search", "Client", "Clients", "Delete", "Edit", "Submit", "Back",
    "Change", "Changed", "Created", "History", "Settings", "Calendar", "Log out",
    "Before", "After", "Phone", "Name", "Branch", "Total", "Paid", "Debt", "Date",
    "Language", "Receipt", "Package", "Session", "Treatment", "Appointment", "Deposit",
    "Reminder", "Status", "method", "number", "photo", "requested online",
    "waiting for confirmation", "clients",
]  # fmt: skip
# Python values and raw records.
RAW_PATTERNS = [
    (r"\[\]", "[]"),
    (r"\{\}", "{}"),
    (r"\{'", "a dict repr"),
    (r"'\s*:\s*", "a dict repr"),
    (r"\b[A-Z]{2}-[A-Z0-9]+-\d{6}: \d{4,}", "a bare invoice total"),
    (r"(?<![\d.])\d{6,}(?![\d.])\s*₫", "money without grouping"),
]
# Chinese writes dates year first (config/formats/zh_Hans); Vietnamese never does.
VIETNAMESE_ONLY_PATTERNS = [(r"\b\d{4}-\d{2}-\d{2}\b", "an ISO date")]
# Proper names that contain a marker word.
ALLOWED_PHRASES = ["Google Calendar", "{name} {time} {date} {service} {branch} {address}",
                   # the placeholders a campaign's text is written with (typed as they are)
                   "{name}", "{branch}"]
# Pages that are not for people to read as HTML.
NOT_A_PAGE = ("/photo/", "/pdf/", "/feed/", ".ics", "/export/", "/calendar.ics", ".xlsx")
EXTRA_URLS = ["/clients/?q=nguyen", "/clients/?q=0912", "/accounts/login/",
              "/reports/segments/builtin/vip/", "/reports/segments/builtin/spend-1m/",
              "/reports/segments/new/?from=spend-5m",
              "/reports/segments/count/?consent=zalo&visits_min=abc"]  # fmt: skip
ROLES = ["owner", "receptionist_a"]
LANGUAGES = ["vi", "zh-hans"]


class VisibleText(HTMLParser):
    """The text a person sees: no tags, attribute values, scripts or styles."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " \n ".join(parser.parts)


def untranslated(text: str, language: str = "vi") -> list[str]:
    """The markers found in a page's visible text."""
    for phrase in ALLOWED_PHRASES:
        text = text.replace(phrase, "")
    found = [
        word
        for word in MARKERS
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, flags=re.IGNORECASE)
    ]
    patterns = RAW_PATTERNS + (VIETNAMESE_ONLY_PATTERNS if language == "vi" else [])
    found += [label for pattern, label in patterns if re.search(pattern, text)]
    return found


def context_of(text: str, marker: str) -> str:
    match = re.search(rf"(?<![\w-]){re.escape(marker)}(?![\w-])", text, flags=re.IGNORECASE)
    if match is None:
        return ""
    return text[max(0, match.start() - 50) : match.end() + 50].replace("\n", " ")


@pytest.fixture
def spa(world, make_client, owner, receptionist_a, technician_a, catalogue, branch_a):  # noqa: F811 - the fixture imported above
    """The world of the bad-input test, plus the rest of a working week's records."""
    ids = world["ids"]
    from spa.clients.models import Client

    hoa = Client.objects.get(pk=ids["client_id"])
    client_update(actor=receptionist_a, client=hoa, fields={
        "birth_date": timezone.localdate() - timedelta(days=365 * 30), "preferred_channel": "zalo",
        "language": "en", "occupation": "Kế toán"})  # fmt: skip
    client_health_update(actor=technician_a, client=hoa, values={"pregnancy": "pregnant"})
    client_consent_record(actor=receptionist_a, client=hoa, channel="zalo", granted=True,
                          method="paper")  # fmt: skip
    patch_test_record(actor=technician_a, client=hoa, tested_on=timezone.localdate(),
                      result="passed", service=catalogue["facial"])  # fmt: skip
    checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=2_350_000, service=catalogue["facial"])],
        payments={"card": 350_000}))  # fmt: skip
    debt_pay(actor=receptionist_a, client=hoa, branch=branch_a, amount=100_000, method="transfer")
    prepaid_top_up(actor=receptionist_a, client=hoa, branch=branch_a, paid=1_000_000, bonus=100_000)
    later = appointment_book(actor=receptionist_a, data=Booking(
        client=hoa, branch=branch_a, services=[catalogue["facial"]], start=tomorrow_at(14),
        technician=technician_a))  # fmt: skip
    appointment_cancel(actor=receptionist_a, appointment=later, reason="Khách bận")
    for n, tier in enumerate(("bronze", "silver", "gold")):
        Client.objects.filter(pk=make_client(f"Nguyễn Thị Lan {n}").pk).update(tier=tier)
    return world


def settings_pages() -> list[str]:
    """Each registered settings section's list, add and first-record pages."""
    from django.urls import reverse

    from spa.office.sections import REGISTRY, Section, discover

    discover()
    urls = []
    for slug, entry in REGISTRY.items():
        if isinstance(entry, Section):
            urls += [
                reverse("office:section", args=[slug]),
                reverse("office:section_new", args=[slug]),
            ]
            first = entry.model._default_manager.order_by("pk").first()
            if first is not None:
                urls.append(reverse("office:section_edit", args=[slug, first.pk]))
    return urls


def pages(ids) -> list[str]:
    urls = [concrete(path, ids) for path in url_patterns()] + EXTRA_URLS + settings_pages()
    return [url for url in dict.fromkeys(urls) if not any(part in url for part in NOT_A_PAGE)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_word_or_raw_code_shows_in_the_vietnamese_or_chinese_ui(spa, language):
    problems = []
    for role in ROLES:
        user = spa["people"][role]
        user.language = language
        user.save(update_fields=["language"])
        http = HttpClient(raise_request_exception=False)
        http.force_login(user)
        for url in pages(spa["ids"]):
            response = http.get(url)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            text = visible_text(response.content.decode())
            for marker in untranslated(text, language):
                problems.append(f"{url} as {role}: {marker!r} … {context_of(text, marker)}")
    assert problems == [], f"{len(problems)} found:\n" + "\n".join(problems[:120])
