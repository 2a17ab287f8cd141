"""Response headers that keep personal data where it belongs."""

from django.utils.cache import add_never_cache_headers

# Pages that take photos with the phone's camera; every other page may not use it.
CAMERA_PAGES = {"session_new", "photo_upload"}
DENIED = "microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


class PrivacyHeadersMiddleware:
    """Every answer of the application (static files are served before this) is kept
    out of browser and proxy caches, since nearly all of them show a client's data;
    the camera is allowed only on the pages that take photos."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)  # Cache-Control: no-store, no-cache, must-revalidate
        match = getattr(request, "resolver_match", None)
        camera = "camera=(self)" if match and match.url_name in CAMERA_PAGES else "camera=()"
        response.setdefault("Permissions-Policy", f"{camera}, {DENIED}")
        return response


class RejectNulMiddleware:
    """A NUL character is never part of anything typed into the product, and PostgreSQL
    refuses it in text: a request carrying one in its query or form is answered 400
    with a message in the user's language, before any view sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path
            or _has_nul(request.GET)
            or (request.method == "POST" and _has_nul(request.POST))
        ):
            from django.shortcuts import render

            return render(request, "400.html", status=400)
        return self.get_response(request)


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)
