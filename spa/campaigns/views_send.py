"""A campaign's own pages: the preview (a recipient's messages and the send-time
decision of the rules), the test send to oneself, send / schedule / pause / resume /
cancel (each POST, after a confirmation), the recipients and the results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from spa.campaigns import editing, services
from spa.campaigns.audience import audience_clients
from spa.campaigns.forms import CHANNEL_LABELS, LANGUAGE_LABELS, TestSendForm
from spa.campaigns.models import (
    Campaign,
    CampaignRules,
    Kind,
    Recipient,
    RecipientStatus,
    SkipReason,
    Status,
)
from spa.campaigns.results import campaign_results
from spa.campaigns.rules import decide
from spa.campaigns.selectors import campaign_get_for_user
from spa.campaigns.texts import recipient_text
from spa.campaigns.views import campaign_count_now, require_campaigns
from spa.core.params import param_id

PREVIEW_PAGE = 10
RECIPIENTS_PAGE = 50


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    require_campaigns(request)
    return campaign_get_for_user(request.user, campaign_id)


def decision_words(decision, client) -> str:
    """The rules' decision for one client, as the desk says it."""
    if decision.channel is None:
        return _("Will not be sent. Reason: %(reason)s.") % {
            "reason": SkipReason(decision.reason).label
        }
    channel = CHANNEL_LABELS.get(decision.channel, "")
    if decision.not_before:
        return _("Will be sent by %(channel)s after the quiet hours, at %(time)s.") % {
            "channel": channel,
            "time": date_format(timezone.localtime(decision.not_before), "SHORT_DATETIME_FORMAT"),
        }
    return _("Will be sent by %(channel)s.") % {"channel": channel}


def actions_for(campaign: Campaign) -> list[tuple[str, str]]:
    """(action, label) of the buttons the campaign's state allows."""
    s = campaign.status
    out = []
    if campaign.kind == Kind.ONCE and s == Status.DRAFT:
        label = _("Schedule") if campaign.scheduled_at else _("Send now")
        out.append(("send", label))
    if s in (Status.SENDING, Status.SCHEDULED, Status.ACTIVE):
        out.append(("pause", _("Pause")))
    if s == Status.PAUSED:
        out.append(("resume", _("Resume")))
    if s not in (Status.DONE, Status.CANCELLED) and campaign.kind == Kind.ONCE:
        out.append(("cancel", _("Cancel the campaign")))
    return out


QUESTIONS = {
    "send": lambda c: _("Send “%(name)s” to %(n)s clients now?"),
    "schedule": lambda c: _("Schedule “%(name)s” for %(when)s?"),
    "pause": lambda c: _("Pause “%(name)s”? What is not sent yet waits."),
    "resume": lambda c: _("Resume sending “%(name)s”?"),
    "cancel": lambda c: _("Cancel “%(name)s” for good? What is not sent yet will never be sent."),
}


@login_required
@require_GET
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    count, held = campaign_count_now(request.user, campaign)
    clients = audience_clients(campaign).order_by("full_name", "pk")
    q = str(request.GET.get("q", ""))[:80].replace("\x00", "").strip()
    if q:
        clients = clients.filter(full_name__icontains=q)
    page = Paginator(clients.only("id", "full_name", "language", "preferred_channel", "email",
                                  "gender", "given_name", "branch_id", "merged_into_id"),
                     PREVIEW_PAGE).get_page(request.GET.get("page"))  # fmt: skip
    chosen = None
    wanted = param_id(request.GET.get("client"))
    if wanted:
        chosen = audience_clients(campaign).filter(pk=wanted).select_related("branch").first()
    if chosen is None and page.object_list:
        chosen = page.object_list[0]
    preview = None
    if chosen is not None:
        rules = CampaignRules.current()
        campaign._rules = rules
        texts = {(m.channel, m.language) for m in campaign.messages.all()}
        decision = decide(None, chosen, rules, timezone.now(), texts=texts)
        rendered = []
        for channel in ("zalo", "sms", "email"):
            language = chosen.language or "vi"
            if (channel, language) not in texts:
                continue
            subject, text = recipient_text(Recipient(campaign=campaign), campaign=campaign,
                                           client=chosen, channel=channel, language=language)  # fmt: skip
            rendered.append({"channel": CHANNEL_LABELS[channel], "subject": subject,
                             "text": text, "email": channel == "email",
                             "chosen": channel == decision.channel})  # fmt: skip
        preview = {"client": chosen, "decision": decision_words(decision, chosen),
                   "sent": decision.channel is not None, "messages": rendered,
                   "language": LANGUAGE_LABELS.get(chosen.language or "vi", "")}  # fmt: skip
    return render(request, "campaigns/detail.html", {
        "campaign": campaign, "count": count, "held": held, "page": page, "q": q,
        "preview": preview, "actions": actions_for(campaign),
        "editable": editing.is_editable(campaign), "deletable": editing.is_deletable(campaign),
        "test_form": TestSendForm(initial={"language": request.user.language or "vi"}),
        "tally": _tally(campaign), "texts_count": campaign.messages.count(),
    })  # fmt: skip


def _tally(campaign: Campaign) -> list[tuple[str, int]]:
    counts = dict(
        Recipient.objects.filter(campaign=campaign).order_by().values_list("status")
        .annotate(n=Count("id")).values_list("status", "n")
    )  # fmt: skip
    return [(label, counts[code]) for code, label in RecipientStatus.choices if counts.get(code)]


@login_required
@require_POST
def campaign_test(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    form = TestSendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the channel and the language of the test."))
    else:
        data = form.cleaned_data
        try:
            services.campaign_test_send(actor=request.user, campaign=campaign,
                                        channel=data["channel"], language=data["language"],
                                        phone=data["phone"])  # fmt: skip
        except services.CampaignError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Test sent to you."))
    return redirect("campaigns:detail", campaign.pk)


@login_required
@require_POST
def campaign_action(request: HttpRequest, campaign_id: int, action: str) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    allowed = dict(actions_for(campaign))
    if action not in allowed:
        messages.error(request, _("This cannot be done now."))
        return redirect("campaigns:detail", campaign.pk)
    if request.POST.get("confirmed") != "yes":
        count, _held = campaign_count_now(request.user, campaign)
        key = "schedule" if action == "send" and campaign.scheduled_at else action
        when = campaign.scheduled_at and date_format(
            timezone.localtime(campaign.scheduled_at), "SHORT_DATETIME_FORMAT")  # fmt: skip
        question = QUESTIONS[key](campaign) % {"name": campaign.name, "n": count, "when": when}
        return render(request, "campaigns/confirm.html", {
            "campaign": campaign, "question": question, "label": allowed[action],
            "url": request.path,
        })  # fmt: skip
    try:
        if action in ("send", "resume"):
            added = services.campaign_start(actor=request.user, campaign=campaign)
            if campaign.status == Status.SCHEDULED:
                messages.success(request, _("Scheduled."))
            elif action == "resume":
                messages.success(request, _("Sending again."))
            else:
                messages.success(request, _("Sending started: %(n)s clients on the list.")
                                 % {"n": added})  # fmt: skip
        elif action == "pause":
            services.campaign_pause(actor=request.user, campaign=campaign)
            messages.success(request, _("Paused."))
        elif action == "cancel":
            services.campaign_cancel(actor=request.user, campaign=campaign)
            messages.success(request, _("Campaign cancelled."))
    except services.CampaignError as refused:
        messages.error(request, str(refused))
    if campaign.kind == Kind.AUTOMATION:
        return redirect("campaigns:automations")
    return redirect("campaigns:detail", campaign.pk)


STATUS_FILTERS = [
    ("", _("All")), (RecipientStatus.QUEUED, RecipientStatus.QUEUED.label),
    (RecipientStatus.SENT, RecipientStatus.SENT.label),
    (RecipientStatus.FAILED, RecipientStatus.FAILED.label),
    (RecipientStatus.SKIPPED, RecipientStatus.SKIPPED.label),
    (RecipientStatus.OPTED_OUT, RecipientStatus.OPTED_OUT.label),
    (RecipientStatus.CONTROL, RecipientStatus.CONTROL.label),
]  # fmt: skip


@login_required
@require_GET
def campaign_recipients(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    status = str(request.GET.get("status", ""))
    if status not in dict(STATUS_FILTERS):
        status = ""
    rows = (
        Recipient.objects.filter(campaign=campaign)
        .select_related("client")
        .only("id", "status", "reason", "channel", "sent_at", "clicked_at", "run",
              "client__id", "client__full_name")
        .order_by("id")
    )  # fmt: skip
    if status:
        rows = rows.filter(status=status)
    page = Paginator(rows, RECIPIENTS_PAGE).get_page(request.GET.get("page"))
    return render(request, "campaigns/recipients.html", {
        "campaign": campaign, "page": page, "status": status, "statuses": STATUS_FILTERS,
        "channels": CHANNEL_LABELS,
    })  # fmt: skip


@login_required
@require_GET
def campaign_results_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    r = campaign_results(campaign)
    return render(request, "campaigns/results.html", {
        "campaign": campaign, "r": r, "sent_per": round(r.sent.revenue_per_client),
        "control_per": round(r.control.revenue_per_client), "uplift": round(r.uplift),
        "low": round(r.low), "high": round(r.high),
    })  # fmt: skip
