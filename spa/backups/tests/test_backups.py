"""Backup → wipe → restore → same data, the drill, keys, pruning and the erasure journal,
on the configured database (SQLite, or PostgreSQL with DATABASE_URL)."""

import io
import uuid
from datetime import datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image

from spa.backups import engine, services
from spa.backups.models import BackupRun, DrillRun
from spa.backups.stream import new_key
from spa.clients.models import Client, ClientHealth
from spa.clients.services import client_delete, client_health_update, client_photo_set

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def places(settings, tmp_path):
    """Each test its own backup folder and erasure journal."""
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.ERASURE_JOURNAL = tmp_path / "erasures.jsonl"
    return settings


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def data(make_client, receptionist_a, owner):
    hoa = make_client("Nguyễn Thị Hoa")
    client_health_update(actor=owner, client=hoa,
                         values={"medications": "Isotretinoin 20 mg", "allergy_notes": "latex"})  # fmt: skip
    hoa = client_photo_set(actor=receptionist_a, client=hoa, data=_jpeg())
    lan = make_client("Trần Lan")
    return hoa, lan


def _snapshot():
    return {
        "clients": Client.objects.count(),
        "health": ClientHealth.objects.count(),
        "names": sorted(Client.objects.values_list("full_name", flat=True)),
    }


def _pg() -> bool:
    return connection.vendor == "postgresql"


def test_backup_wipe_restore_gives_the_same_data(data, owner):
    hoa, _lan = data
    before = _snapshot()
    photo = hoa.photo.name
    with default_storage.open(photo, "rb") as f:
        photo_bytes = f.read()
    run = services.run_backup()
    assert run.ok, run.detail
    assert (services.destinations()["folder"].exists(run.name)) and run.size > 0
    # Wipe: the clients, their health rows and the photo file go.
    for c in Client.objects.all():
        Client.objects.filter(pk=c.pk).delete()
    default_storage.delete(photo)
    assert Client.objects.count() == 0 and not default_storage.exists(photo)

    call_command("restore", run.name, "--yes", stdout=io.StringIO())

    assert _snapshot() == before
    restored = Client.objects.get(pk=hoa.pk)
    assert restored.health.values()["medications"] == "Isotretinoin 20 mg"  # decrypted
    assert restored.photo.name == photo
    with default_storage.open(photo, "rb") as f:
        assert f.read() == photo_bytes


def test_restore_needs_yes(data):
    run = services.run_backup()
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", run.name)


def test_restore_into_another_database(data, tmp_path):
    run = services.run_backup()
    db = connection.settings_dict
    if _pg():
        name = f"{db['NAME']}_into_{uuid.uuid4().hex[:8]}"
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"
        engine._pg_create(db, name)
    else:
        name, url = None, f"sqlite:///{tmp_path / 'other.sqlite3'}"
    try:
        out = io.StringIO()
        call_command("restore", run.name, "--into", url, stdout=out)
        assert "tables restored and checked" in out.getvalue()
        target = engine.database_config(url)
        if _pg():
            conn = engine._pg_connect(target)
            count = conn.execute('SELECT count(*) FROM "clients_client"').fetchone()[0]
            conn.close()
        else:
            import sqlite3

            con = sqlite3.connect(target["NAME"])
            count = con.execute('SELECT count(*) FROM "clients_client"').fetchone()[0]
            con.close()
        assert count == Client.objects.count() == 2
    finally:
        if name:
            engine.pg_drop(db, name)


def test_drill_passes_on_a_good_backup(data):
    run = services.run_backup()
    drill = services.run_drill(scratch=_scratch())
    assert drill.ok, drill.detail
    assert drill.backup_name == run.name
    assert drill.health_rows_checked == 1 and drill.files_checked >= 2  # photo + thumbnail
    assert drill.tables > 20 and drill.rows > 0
    assert services.status()["alerts"] == []


def _scratch() -> str | None:
    return f"{connection.settings_dict['NAME']}_drill_{uuid.uuid4().hex[:8]}" if _pg() else None


def test_drill_detects_a_corrupted_backup(data, settings):
    run = services.run_backup()
    path = settings.BACKUP_DIR / run.name
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 4] = bytes(b ^ 0xFF for b in raw[middle : middle + 4])
    path.write_bytes(bytes(raw))
    drill = services.run_drill(scratch=_scratch())
    assert drill.ok is False
    assert "damaged" in drill.detail
    assert services.status()["alerts"] == ["drill_failed"]


def test_a_cut_off_backup_fails(data, settings):
    run = services.run_backup()
    path = settings.BACKUP_DIR / run.name
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CommandError, match="damaged|cut off"):
        call_command("restore", run.name, "--yes")


def test_wrong_key_fails_clearly(data, settings):
    run = services.run_backup()
    settings.BACKUP_KEY = new_key()
    with pytest.raises(CommandError, match="another BACKUP_KEY"):
        call_command("restore", run.name, "--yes")
    drill = services.run_drill(scratch=_scratch())
    assert drill.ok is False and "another BACKUP_KEY" in drill.detail
    assert Client.objects.count() == 2  # nothing touched


def test_no_key_no_backup(data, settings):
    settings.BACKUP_KEY = ""
    run = services.run_backup()
    assert run.ok is False and "BACKUP_KEY is not set" in run.detail
    assert "no_backup" in services.status()["alerts"]


def test_wrong_field_keys_fail_the_drill(data, settings):
    """The drill decrypts health rows: a lost FIELD_ENCRYPTION_KEYS shows there."""
    from cryptography.fernet import Fernet

    services.run_backup()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    drill = services.run_drill(scratch=_scratch())
    assert drill.ok is False and "cannot be decrypted" in drill.detail


def test_erased_clients_stay_erased_after_a_restore(data, owner):
    hoa, lan = data
    run = services.run_backup()
    client_delete(actor=owner, client=Client.objects.get(pk=lan.pk), reason="client's request")
    assert not Client.objects.filter(pk=lan.pk).exists()
    out = io.StringIO()
    call_command("restore", run.name, "--yes", stdout=out)
    assert "1 clients erased since the backup erased again" in out.getvalue()
    assert not Client.objects.filter(pk=lan.pk).exists()
    assert Client.objects.filter(pk=hoa.pk).exists()
    # The journal holds ids and times only.
    from django.conf import settings as conf

    text = conf.ERASURE_JOURNAL.read_text()
    assert str(lan.pk) in text and "Lan" not in text


def test_erasures_before_the_backup_are_not_replayed(data, owner, settings):
    hoa, lan = data
    client_delete(actor=owner, client=Client.objects.get(pk=lan.pk), reason="request")
    run = services.run_backup()
    call_command("restore", run.name, "--yes", stdout=io.StringIO())
    assert Client.objects.filter(pk=hoa.pk).exists()
    assert not Client.objects.filter(pk=lan.pk).exists()


def _names(*moments):
    return [engine.backup_name(m) for m in moments]


def test_pruning_keeps_n_daily_and_m_weekly(settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    start = timezone.make_aware(datetime(2026, 11, 30, 2, 0))  # a Monday, local time
    moments = [start - timedelta(days=d) for d in range(40)]
    moments += [start - timedelta(days=1, hours=-1)]  # a second backup on the same day
    storage = services.destinations()["folder"]
    for name in _names(*moments):
        storage.save(name, ContentFile(b"x"))
    gone = services.prune(storage, daily=3, weekly=3)
    # Days: 30/11, 29/11 (its later backup), 28/11. Weeks (Monday to Sunday): 30/11, the
    # week of 23–29/11 (29/11, already kept) and the week of 16–22/11 (22/11).
    assert _kept(storage) == ["22/11 02:00", "28/11 02:00", "29/11 03:00", "30/11 02:00"]
    assert len(gone) == len(moments) - 4
    services.prune(storage, daily=1, weekly=2)
    assert _kept(storage) == ["29/11 03:00", "30/11 02:00"]


def _kept(storage) -> list[str]:
    from django.utils import timezone

    local = sorted(timezone.localtime(engine.backup_time(n)) for n in services.archives(storage))
    return [d.strftime("%d/%m %H:%M") for d in local]


def test_nightly_task_runs_once_after_the_set_time(data, time_machine):
    from django.utils import timezone

    from spa.backups.models import BackupSettings
    from spa.backups.tasks import backups_tick

    conf = BackupSettings.current()
    conf.backup_time = datetime(2000, 1, 1, 2, 30).time()
    conf.save()
    time_machine.move_to(timezone.make_aware(datetime(2026, 12, 1, 2, 29)), tick=True)
    assert backups_tick.call_local() == "not due"
    time_machine.move_to(timezone.make_aware(datetime(2026, 12, 1, 2, 31)), tick=True)
    assert backups_tick.call_local().startswith("backup spa-")
    assert backups_tick.call_local() == "not due"
    assert BackupRun.objects.filter(nightly=True, ok=True).count() == 1
    assert DrillRun.objects.filter(ok=True).count() == 1


def test_backups_go_to_an_s3_store_and_are_restored_from_it(data, settings, owner):
    """The second place is any S3-compatible store (moto's in-process S3 here)."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="spa-backups")
        settings.BACKUP_S3 = {**settings.BACKUP_S3, "bucket_name": "spa-backups",
                              "region_name": "us-east-1", "access_key": "k", "secret_key": "s"}  # fmt: skip
        hoa, lan = data
        client_delete(actor=owner, client=Client.objects.get(pk=lan.pk), reason="request")
        run = services.run_backup()
        assert run.ok, run.detail
        assert run.destinations == ["folder", "s3"]
        s3 = services.destinations()["s3"]
        assert services.archives(s3) == [run.name] and s3.exists(services.JOURNAL_NAME)
        # The folder (and its journal) is lost: the drill and the restore read from S3.
        (settings.BACKUP_DIR / run.name).unlink()
        settings.ERASURE_JOURNAL.unlink()
        drill = services.run_drill(run.name, scratch=_scratch())
        assert drill.ok, drill.detail
        call_command("restore", run.name, "--yes", stdout=io.StringIO())
        assert settings.ERASURE_JOURNAL.exists()
        assert Client.objects.filter(pk=hoa.pk).exists()
