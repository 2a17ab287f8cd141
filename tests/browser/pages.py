"""The main pages of the product, for the phone-width and accessibility tests: one list
(extend it when a page lands), each with the URL filled from a populated spa."""

from django.urls import reverse

# (short name, url name, takes the client id?)
MAIN_PAGES = [
    ("search", "clients:search", False),
    ("profile", "clients:detail", True),
    ("new-client", "clients:new", False),
    ("client-edit", "clients:edit", True),
    ("history", "clients:history", True),
    ("access-log", "clients:access_log", True),
    ("course", "treatments:course", True),
    ("session-form", "treatments:session_new", True),
    ("calendar-day", "booking:day", False),
    ("book", "booking:book", True),
    ("checkout", "sales:checkout", True),
    ("money", "sales:money", True),
    ("cash-report", "sales:report", False),
    ("clients-due", "reports:due", False),
    ("account", "accounts:account", False),
    ("settings", "office:index", False),
    ("imports", "imports:jobs", False),
    ("reports", "reports:dashboard", False),
    ("segments", "reports:segments", False),
    ("segment-new", "reports:segment_new", False),
    ("care-queue", "care:queue", False),
    ("care-tasks", "care:tasks", False),
    ("care-report", "care:report", False),
    ("care-settings", "care:settings", False),
    ("backups", "office:backups", False),
    ("client-feedback", "care:client_feedback", True),
    ("campaigns", "campaigns:list", False),
    ("campaign-new", "campaigns:new", False),
    ("campaign-automations", "campaigns:automations", False),
    ("campaign-rules", "campaigns:rules", False),
    ("incidents", "privacy:incidents", False),
    ("incident-new", "privacy:incident_new", False),
    ("processing", "privacy:processing", False),
]
# The reports (each a page of reports:report), over a year so every section has rows.
REPORT_PAGES = ["revenue", "money", "clients", "staff", "services"]
# Pages of one import (the populated spa has one checked and waiting for its commit).
IMPORT_PAGES = [("import-review", "imports:job")]
QUERIES = {"search": "?q=nguyen"}
# Pages with a fixed argument: a built-in segment; and the populated spa's saved segment.
FIXED_PAGES = [
    ("segment-builtin", "reports:segment_builtin", ["spend-1m"]),
    ("campaign-automation", "campaigns:automation", ["birthday"]),
]
# Pages of the populated spa's campaign (finished, with recipients).
CAMPAIGN_PAGES = [
    ("campaign", "campaigns:detail"),
    ("campaign-recipients", "campaigns:recipients"),
    ("campaign-results", "campaigns:results"),
]
SEGMENT_PAGES = [("segment", "reports:segment"), ("segment-edit", "reports:segment_edit")]


def main_pages(client_id: int, job_id: int | None = None) -> list[tuple[str, str]]:
    """[(name, path)] of every main page, for one client (and one import)."""
    pages = [
        (name, reverse(url_name, args=[client_id] if takes_client else []) + QUERIES.get(name, ""))
        for name, url_name, takes_client in MAIN_PAGES
    ]
    pages += [
        (f"report-{name}", reverse("reports:report", args=[name]) + "?period=year")
        for name in REPORT_PAGES
    ]
    if job_id is not None:
        pages += [(name, reverse(url_name, args=[job_id])) for name, url_name in IMPORT_PAGES]
    pages += [(name, reverse(url_name, args=args)) for name, url_name, args in FIXED_PAGES]
    from spa.care.models import CareTask, SurveyInvite
    from spa.reports.models import Segment

    task = CareTask.objects.order_by("pk").first()
    if task is not None:
        pages.append(("care-task", reverse("care:task", args=[task.pk])))
    # The public survey page (no login needed; it opens for staff too).
    invite = SurveyInvite.objects.order_by("pk").first()
    if invite is not None:
        pages.append(("survey", reverse("care_public:survey", args=[invite.token])))

    from spa.campaigns.models import Campaign

    campaign = Campaign.objects.order_by("pk").first()
    if campaign is not None:
        pages += [
            (name, reverse(url_name, args=[campaign.pk])) for name, url_name in CAMPAIGN_PAGES
        ]
    from spa.privacy.models import Incident

    incident = Incident.objects.order_by("pk").first()
    if incident is not None:
        pages += [
            ("incident", reverse("privacy:incident", args=[incident.pk])),
            ("incident-draft", reverse("privacy:draft", args=[incident.pk, "authority", "vi"])),
        ]
    segment = Segment.objects.order_by("pk").first()
    if segment is not None:
        pages += [(name, reverse(url_name, args=[segment.pk])) for name, url_name in SEGMENT_PAGES]
    return pages


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    # The landing page depends on the role: today for the desk, the calendar for technicians.
    page.wait_for_url(lambda url: url.rstrip("/").endswith(("/today", "/calendar", "/clients")))
