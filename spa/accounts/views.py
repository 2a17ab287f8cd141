from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: saved on the staff member's account, and in a
    cookie for the login page."""
    code = request.POST.get("language", "")
    supported = {c for c, _name in settings.LANGUAGES}
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    if code in supported:
        if request.user.is_authenticated:
            request.user.language = code
            request.user.save(update_fields=["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax"
        )
    return response
