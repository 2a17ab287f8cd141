from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from spa.desk import views as desk_views
from spa.office import views_firstrun

urlpatterns = [
    # Where a login lands: the front desk's today, or a technician's own day.
    path("", desk_views.home, name="home"),
    path("today/", include("spa.desk.urls")),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("favicon.svg"))),
    path("welcome/", views_firstrun.welcome, name="welcome"),
    path("accounts/", include("spa.accounts.urls")),
    path("clients/", include("spa.clients.urls")),
    path("treatments/", include("spa.treatments.urls")),
    path("calendar/", include("spa.booking.urls")),
    path("book/", include("spa.booking.urls_public")),
    path("care/", include("spa.care.urls")),
    path("s/", include("spa.care.urls_public")),
    path("m/", include("spa.campaigns.urls_public")),
    path("campaigns/", include("spa.campaigns.urls")),
    path("sales/", include("spa.sales.urls")),
    path("settings/", include("spa.office.urls")),
    path("imports/", include("spa.imports.urls")),
    path("reports/", include("spa.reports.urls")),
    path("privacy/", include("spa.privacy.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
