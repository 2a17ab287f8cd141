"""The campaigns' staff pages: the list, the builder (with its live count) and delete.
Sending, the recipients and the results are in views_send; automations in
views_auto; the spa's campaign rules in views_settings. Every campaign comes through
selectors.campaign_get_for_user (a campaign outside the user's scope is a 404)."""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from spa.campaigns import editing
from spa.campaigns.forms import (
    AudienceForm,
    CampaignForm,
    TextsForm,
    audience_initial,
    campaign_initial,
    texts_initial,
)
from spa.campaigns.models import Campaign, Kind
from spa.campaigns.selectors import campaign_get_for_user, campaigns_visible_to
from spa.campaigns.texts import PLACEHOLDERS
from spa.core import access
from spa.core.params import param_id
from spa.reports.segments import (
    SegmentDefinition,
    segment_count,
    segment_definition,
    segment_get_for_user,
)

PLACEHOLDER_HELP = [
    ("{name}", _("how the client is addressed, e.g. chị Hoa")),
    ("{voucher}", _("the client's voucher code")),
    ("{expiry}", _("the voucher's last day")),
    ("{branch}", _("the branch's name")),
    ("{link}", _("the link (counted when opened)")),
    ("{stop}", _("how to stop these messages (added at the end if missing)")),
]
assert {p.strip("{}") for p, _about in PLACEHOLDER_HELP} == set(PLACEHOLDERS)


def require_campaigns(request: HttpRequest) -> None:
    if not access.can_manage_campaigns(request.user):
        raise PermissionDenied


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    require_campaigns(request)
    campaigns = campaigns_visible_to(request.user).filter(kind=Kind.ONCE)
    return render(request, "campaigns/list.html", {"campaigns": campaigns[:200]})


def count_for(user, definition: SegmentDefinition | None, branch, percent) -> tuple[int, int]:
    """(clients, held out as control) of an audience now."""
    if definition is None:
        return 0, 0
    if branch is not None:
        if definition.branch_id and definition.branch_id != branch.pk:
            return 0, 0
        definition = replace(definition, branch_id=branch.pk)
    n = segment_count(user=user, definition=definition)
    return n, round(n * min(max(percent or 0, 0), 50) / 100)


def audience_count(user, form: CampaignForm, audience: AudienceForm) -> tuple[int, int]:
    """The count of what the builder's forms say now; a filter that does not validate is
    left out, as on the segment builder."""
    form.is_valid()
    audience.is_valid()
    data = form.cleaned_data
    if data.get("audience") == "segment":
        segment = data.get("segment")
        definition = segment_definition(segment) if segment is not None else None
    else:
        definition = audience.definition()
    return count_for(user, definition, form.branch_value(), data.get("control_percent"))


def campaign_count_now(user, campaign: Campaign) -> tuple[int, int]:
    if campaign.segment_id:
        definition = segment_definition(campaign.segment)
    else:
        definition = SegmentDefinition.from_json(campaign.definition or {})
    return count_for(user, definition, campaign.branch, campaign.control_percent)


def _builder(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = CampaignForm(request.POST, user=user)
        audience = AudienceForm(request.POST, user=user)
        texts = TextsForm(request.POST)
        valid = all([form.is_valid(), audience.is_valid(), texts.is_valid()])
        if valid:
            try:
                data = form.to_input(audience)
                if campaign is None:
                    campaign = editing.campaign_create(actor=user, data=data, texts=texts.texts())
                    messages.success(request, _("Campaign saved as a draft."))
                else:
                    editing.campaign_update(actor=user, campaign=campaign, data=data,
                                            texts=texts.texts())  # fmt: skip
                    messages.success(request, _("Campaign changed."))
            except editing.EditError as refused:
                target = texts if refused.field in texts.fields else form
                target.add_error(refused.field if refused.field in target.fields else None,
                                 refused.message)  # fmt: skip
            else:
                return redirect("campaigns:detail", campaign.pk)
    else:
        initial = campaign_initial(campaign)
        wanted = param_id(request.GET.get("segment")) if campaign is None else None
        if wanted and segment_get_for_user(user, wanted) is not None:
            initial = {**initial, "audience": "segment", "segment": wanted}
        form = CampaignForm(None, user=user, initial=initial)
        audience = AudienceForm(None, user=user, initial=audience_initial(campaign))
        texts = TextsForm(None, initial=texts_initial(campaign))
    if request.method == "POST":
        count, held = audience_count(user, form, audience)
    elif campaign is not None:
        count, held = campaign_count_now(user, campaign)
    else:
        count, held = 0, 0
    failed = form.errors or audience.errors or texts.errors
    return render(request, "campaigns/builder.html", {
        "form": form, "audience": audience, "texts": texts, "campaign": campaign,
        "count": count, "held": held, "placeholders": PLACEHOLDER_HELP,
    }, status=400 if failed else 200)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    require_campaigns(request)
    return _builder(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    require_campaigns(request)
    campaign = campaign_get_for_user(request.user, campaign_id)
    if campaign.kind == Kind.AUTOMATION:
        return redirect("campaigns:automation", campaign.trigger)
    if not editing.is_editable(campaign):
        messages.error(request, _("This campaign is being sent or has finished: it can no "
                                  "longer be changed."))  # fmt: skip
        return redirect("campaigns:detail", campaign.pk)
    return _builder(request, campaign)


@login_required
@require_GET
def campaign_count(request: HttpRequest) -> HttpResponse:
    """The builder's live count (HTMX)."""
    require_campaigns(request)
    form = CampaignForm(request.GET, user=request.user)
    audience = AudienceForm(request.GET, user=request.user)
    count, held = audience_count(request.user, form, audience)
    return render(request, "campaigns/partials/count.html", {"count": count, "held": held})


@login_required
@require_POST
def campaign_delete(request: HttpRequest, campaign_id: int) -> HttpResponse:
    require_campaigns(request)
    campaign = campaign_get_for_user(request.user, campaign_id)
    if request.POST.get("confirmed") != "yes":
        return render(request, "campaigns/confirm.html", {
            "campaign": campaign, "action": "delete",
            "question": _("Delete the draft “%(name)s”?") % {"name": campaign.name},
            "url": request.path,
        })  # fmt: skip
    try:
        editing.campaign_delete(actor=request.user, campaign=campaign)
    except editing.EditError as refused:
        messages.error(request, refused.message)
        return redirect("campaigns:detail", campaign.pk)
    messages.success(request, _("Draft deleted."))
    return redirect("campaigns:list")
