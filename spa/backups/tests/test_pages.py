"""The backups settings page: who may open it (every role, anonymous), what it shows (the
recent backups and drills, last verified restore), the alert, and saving the settings."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import statuses
from spa.backups.models import BackupRun, BackupSettings, DrillRun, Problem

pytestmark = pytest.mark.django_db

URL = "office:backups"


def test_backups_page_access(client, people):
    assert statuses(client, people, reverse(URL)) == [
        302, 200, 403, 403, 403, 403, 403, 403]  # fmt: skip
    assert statuses(client, people, reverse(URL), "post", {"keep_daily": "3"}) == [
        302, 400, 403, 403, 403, 403, 403, 403]  # fmt: skip


def test_settings_index_lists_backups_for_the_owner_only(client, owner, manager_a):
    client.force_login(manager_a)
    assert reverse(URL) not in client.get(reverse("office:index")).content.decode()
    client.force_login(owner)
    assert reverse(URL) in client.get(reverse("office:index")).content.decode()


def _backup(hours_ago: float, ok=True, **kw) -> BackupRun:
    at = timezone.now() - timedelta(hours=hours_ago)
    return BackupRun.objects.create(started_at=at, finished_at=at, ok=ok,
                                    name=f"spa-{at:%Y%m%d-%H%M%S}.spabak", size=12_345_678,
                                    duration=3.2, destinations=["folder"], **kw)  # fmt: skip


def _drill(hours_ago: float, ok=True, **kw) -> DrillRun:
    at = timezone.now() - timedelta(hours=hours_ago)
    return DrillRun.objects.create(started_at=at, finished_at=at, ok=ok, tables=80, rows=5000,
                                   files_checked=12, health_rows_checked=50, **kw)  # fmt: skip


def test_no_backup_alerts_the_owner(client, owner):
    client.force_login(owner)
    page = client.get(reverse("office:index")).content.decode()
    assert 'data-testid="backup-alert"' in page
    _backup(hours_ago=30)  # too old
    assert 'data-testid="backup-alert"' in client.get(reverse("office:index")).content.decode()
    _backup(hours_ago=2)
    assert 'data-testid="backup-alert"' not in client.get(reverse("office:index")).content.decode()


def test_a_failed_drill_alerts_the_owner_and_the_page_lists_runs(client, owner):
    _backup(hours_ago=25)
    _drill(hours_ago=24.9)
    _backup(hours_ago=1)
    _drill(hours_ago=0.9, ok=False, problem=Problem.DAMAGED, detail="damaged at part 3")
    client.force_login(owner)
    index = client.get(reverse("office:index")).content.decode()
    assert 'data-testid="backup-alert"' in index
    page = client.get(reverse(URL))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="backup-alert"' in html
    verified = timezone.localtime(DrillRun.objects.filter(ok=True).get().started_at)
    assert f'data-testid="last-verified">{verified:%d/%m/%Y %H:%M}<' in html
    assert str(Problem.DAMAGED.label) in html
    assert html.count("<tr>") == 1 + 2 + 1 + 2  # two heads, two backups, two drills


def test_owner_saves_the_settings_into_the_history(client, owner):
    from spa.audit.models import AuditEntry

    before = AuditEntry.objects.count()
    client.force_login(owner)
    response = client.post(reverse(URL), {"enabled": "on", "backup_time": "03:15",
                                          "keep_daily": "10", "keep_weekly": "8"})  # fmt: skip
    assert response.status_code == 302
    conf = BackupSettings.current()
    assert (conf.backup_time.strftime("%H:%M"), conf.keep_daily, conf.keep_weekly) == (
        "03:15", 10, 8)  # fmt: skip
    assert AuditEntry.objects.count() == before + 1
    history = client.get(reverse("office:history"))
    assert history.status_code == 200 and "03:15" in history.content.decode()


def test_invalid_settings_are_refused(client, owner):
    client.force_login(owner)
    response = client.post(reverse(URL), {"backup_time": "25:00", "keep_daily": "0",
                                          "keep_weekly": "8"})  # fmt: skip
    assert response.status_code == 400
    assert BackupSettings.current().keep_daily == 7


def test_backup_command_prints_a_new_key():
    from django.core.management import call_command

    from spa.backups.stream import parse_key

    out = io.StringIO()
    call_command("backup", "--new-key", stdout=out)
    assert len(parse_key(out.getvalue().strip())) == 32


def test_page_warns_when_backups_stay_on_the_same_disk(client, owner, settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "b"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "p"
    settings.PRIVATE_MEDIA_ROOT.mkdir()
    client.force_login(owner)
    assert 'data-testid="same-disk"' in client.get(reverse(URL)).content.decode()
    settings.BACKUP_S3 = {**settings.BACKUP_S3, "bucket_name": "elsewhere"}
    assert 'data-testid="same-disk"' not in client.get(reverse(URL)).content.decode()
