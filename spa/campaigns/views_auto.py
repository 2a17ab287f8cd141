"""The automations page: each trigger of spa.campaigns.automations as one automation
(the owner's for the chain, a manager's for their branch), with its switch, texts and
offer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from spa.campaigns import editing, services
from spa.campaigns.defaults import ABOUT, DAYS_LABEL, DEFAULT_DAYS, default_texts
from spa.campaigns.forms import AutomationForm, TextsForm, automation_initial, texts_initial
from spa.campaigns.models import Status, Trigger
from spa.campaigns.views import PLACEHOLDER_HELP, require_campaigns


@login_required
@require_GET
def automations(request: HttpRequest) -> HttpResponse:
    require_campaigns(request)
    rows = []
    for trigger, label in Trigger.choices:
        campaign = editing.automation_for(request.user, trigger)
        rows.append({"trigger": trigger, "label": label, "about": ABOUT[trigger],
                     "campaign": campaign,
                     "on": campaign is not None and campaign.status == Status.ACTIVE})  # fmt: skip
    return render(request, "campaigns/automations.html", {"rows": rows})


def _trigger(request, trigger: str) -> str:
    require_campaigns(request)
    if trigger not in Trigger.values:
        raise Http404
    return trigger


@login_required
@require_http_methods(["GET", "POST"])
def automation(request: HttpRequest, trigger: str) -> HttpResponse:
    trigger = _trigger(request, trigger)
    campaign = editing.automation_for(request.user, trigger)
    label = Trigger(trigger).label
    if request.method == "POST":
        form = AutomationForm(request.POST, trigger=trigger, days_label=DAYS_LABEL[trigger])
        texts = TextsForm(request.POST)
        if form.is_valid() and texts.is_valid():
            try:
                editing.automation_save(actor=request.user, trigger=trigger,
                                        data=form.to_input(), texts=texts.texts(),
                                        switched_on=form.cleaned_data["switched_on"])  # fmt: skip
            except (editing.EditError, services.CampaignError) as refused:
                message = getattr(refused, "message", str(refused))
                field = getattr(refused, "field", None)
                target = texts if field in texts.fields else form
                target.add_error(field if field in target.fields else None, message)
            else:
                messages.success(request, _("Automation saved."))
                return redirect("campaigns:automations")
    else:
        form = AutomationForm(None, trigger=trigger, days_label=DAYS_LABEL[trigger],
                              initial=automation_initial(campaign, name=str(label),
                                                         days=DEFAULT_DAYS[trigger]))  # fmt: skip
        texts = TextsForm(None, initial=texts_initial(campaign, default_texts(trigger)))
    failed = form.errors or texts.errors
    return render(request, "campaigns/automation.html", {
        "form": form, "texts": texts, "campaign": campaign, "label": label,
        "about": ABOUT[trigger], "placeholders": PLACEHOLDER_HELP, "trigger": trigger,
    }, status=400 if failed else 200)  # fmt: skip


@login_required
@require_POST
def automation_switch(request: HttpRequest, trigger: str) -> HttpResponse:
    """The on/off switch of the list (an automation is saved once before it can run)."""
    trigger = _trigger(request, trigger)
    campaign = editing.automation_for(request.user, trigger)
    if campaign is None:
        return redirect("campaigns:automation", trigger)
    try:
        if campaign.status == Status.ACTIVE:
            services.campaign_pause(actor=request.user, campaign=campaign)
            messages.success(request, _("Automation switched off."))
        else:
            services.campaign_start(actor=request.user, campaign=campaign)
            messages.success(request, _("Automation switched on."))
    except services.CampaignError as refused:
        messages.error(request, str(refused))
    return redirect("campaigns:automations")
