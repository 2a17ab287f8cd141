"""The public side of a campaign's message (no login; the recipient's token is the key):
the link that counts a click and leads on, the opt-out page (and RFC 8058 one-click
opt-out from the mail program), and the gateway's webhook for SMS/Zalo replies."""

import json
import secrets

from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from spa.accounts.models import SpaSettings
from spa.campaigns import optout
from spa.campaigns.models import Recipient


def _recipient(token: str) -> Recipient:
    recipient = (
        Recipient.objects.select_related("campaign", "client__branch", "campaign__branch")
        .filter(token=token)
        .first()
    )
    if recipient is None:
        raise Http404
    return recipient


@ratelimit(key="ip", rate="60/m", block=True)
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Count the click, then go where the campaign's {link} leads (else online booking)."""
    recipient = _recipient(token)
    now = timezone.now()
    Recipient.objects.filter(pk=recipient.pk).update(
        clicks=F("clicks") + 1, clicked_at=Coalesce(F("clicked_at"), now)
    )
    if recipient.campaign.link_url:
        return redirect(recipient.campaign.link_url)
    branch = recipient.campaign.branch or (recipient.client.branch if recipient.client else None)
    if branch is None:
        raise Http404
    return redirect(reverse("public_booking:page", args=[branch.code]))


@csrf_exempt  # the token in the address is the key; mail programs post without a form
@ratelimit(key="ip", rate="60/m", block=True)
@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a button to confirm, in the client's language. POST (the button, or a mail
    program's one-click List-Unsubscribe-Post): no more marketing on that channel."""
    recipient = _recipient(token)
    language = recipient.language or (recipient.client.language if recipient.client else "vi")
    branch = recipient.campaign.branch or (recipient.client.branch if recipient.client else None)
    done = False
    if request.method == "POST":
        optout.recipient_opt_out(recipient)
        done = True
    elif recipient.opted_out_at is not None:
        done = True
    with translation.override(language):
        response = render(request, "campaigns/public/stop.html", {
            "recipient": recipient, "branch": branch, "done": done,
            "channel": recipient.get_channel_display() if recipient.channel else "",
        })  # fmt: skip
    return response


@csrf_exempt  # the gateway posts with its token, not a form
@require_POST
def inbound(request: HttpRequest, channel: str) -> HttpResponse:
    """A reply from a client's phone (SMS or Zalo), posted by the gateway with its token
    (Authorization: Bearer …) as JSON or a form: {"from": phone, "text": message}. The
    stop keyword opts that phone's clients out of marketing on the channel."""
    spa = SpaSettings.current()
    expected = {"sms": spa.sms_gateway_token, "zalo": spa.zalo_gateway_token}.get(channel)
    if expected is None:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"error": "unauthorised"}, status=403)
    try:
        data = (
            json.loads(request.body) if request.content_type == "application/json" else request.POST
        )
    except ValueError:
        return JsonResponse({"error": "bad json"}, status=400)
    sender, text = str(data.get("from", "")), str(data.get("text", ""))
    stopped = optout.phone_reply(channel, sender, text)
    return JsonResponse({"opted_out": stopped})
