from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from spa.office import views_firstrun

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="clients:search", permanent=False)),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("favicon.svg"))),
    path("welcome/", views_firstrun.welcome, name="welcome"),
    path("accounts/", include("spa.accounts.urls")),
    path("clients/", include("spa.clients.urls")),
    path("treatments/", include("spa.treatments.urls")),
    path("calendar/", include("spa.booking.urls")),
    path("book/", include("spa.booking.urls_public")),
    path("sales/", include("spa.sales.urls")),
    path("settings/", include("spa.office.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
