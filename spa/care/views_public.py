"""The public survey page: no login, reached by the link sent after a visit; in the
client's language unless they switch. CSRF-protected and rate-limited per address."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django_ratelimit.decorators import ratelimit

from spa.care.forms import SurveyForm
from spa.care.models import SurveyInvite
from spa.care.services import SurveyClosed, survey_answer, survey_state


def _language(request: HttpRequest, invite: SurveyInvite | None) -> str:
    """The language the visitor chose with the switch (cookie), else the client's."""
    supported = {code for code, _name in settings.LANGUAGES}
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in supported:
        return chosen
    if invite is not None and invite.language in supported:
        return invite.language
    return settings.LANGUAGE_CODE


def _closed(request, invite, why: str) -> HttpResponse:
    status = 404 if why == "unknown" else 410
    return render(request, "care/public/closed.html", {"why": why, "branch": invite and invite.branch},
                  status=status)  # fmt: skip


@ratelimit(key="ip", rate="60/m", block=True)
@ratelimit(key="ip", rate="20/h", method="POST", block=True)
def survey(request: HttpRequest, survey_token: str) -> HttpResponse:
    invite = (
        SurveyInvite.objects.select_related("branch", "client").filter(token=survey_token).first()
    )
    with translation.override(_language(request, invite)):
        if invite is None:
            return _closed(request, None, "unknown")
        state = survey_state(invite)
        if state != "open":
            return _closed(request, invite, state)
        form = SurveyForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                survey_answer(token=survey_token, scores=form.scores())
            except SurveyClosed as exc:
                return _closed(request, invite, exc.why)
            return redirect("care_public:thanks", survey_token=survey_token)
        status = 400 if request.method == "POST" else 200
        return render(request, "care/public/survey.html", {
            "form": form, "invite": invite, "branch": invite.branch,
            "name": invite.client.given_name,
        }, status=status)  # fmt: skip


@ratelimit(key="ip", rate="60/m", block=True)
def thanks(request: HttpRequest, survey_token: str) -> HttpResponse:
    invite = SurveyInvite.objects.select_related("branch").filter(token=survey_token).first()
    with translation.override(_language(request, invite)):
        if invite is None:
            return _closed(request, None, "unknown")
        if survey_state(invite) != "used":
            return redirect("care_public:survey", survey_token=survey_token)
        return render(request, "care/public/thanks.html", {"branch": invite.branch})
