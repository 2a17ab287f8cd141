"""The backups settings page (owner): the nightly time and how many backups are kept, the
places backups go, the recent backups and restore drills, and the alert."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from spa.backups import services
from spa.backups.forms import BackupSettingsForm
from spa.backups.models import BackupRun, BackupSettings, DrillRun
from spa.core import access
from spa.office.settings_page import settings_page

RECENT = 10


def _destinations() -> list[tuple[str, str, bool]]:
    """(kind, where, configured) of each place a backup may go."""
    s3 = settings.BACKUP_S3
    bucket = s3.get("bucket_name") or ""
    where = f"{s3.get('endpoint_url') or 's3'}/{bucket}/{s3.get('location') or ''}".rstrip("/")
    return [
        ("folder", str(settings.BACKUP_DIR), True),
        ("s3", where if bucket else "", bool(bucket)),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def backup_settings(request: HttpRequest) -> HttpResponse:
    allowed = access.can_manage_backups(request.user)
    context = {}
    if allowed:
        context = {
            "status": services.status(),
            "backups": BackupRun.objects.all()[:RECENT],
            "drills": DrillRun.objects.all()[:RECENT],
            "destinations": _destinations(),
            "key_set": bool(settings.BACKUP_KEY),
            "same_disk": services.same_disk_only(),
        }
    return settings_page(
        request, allowed=allowed, instance=BackupSettings.current() if allowed else None,
        form_class=BackupSettingsForm, template="backups/settings.html",
        done="office:backups", context=context,
    )  # fmt: skip
