"""`manage.py restore <backup> --yes`: replace the configured database and the private
files with a backup's, check every table, and erase again the clients erased since the
backup (the erasure journal). `--into URL` loads the database into another one instead."""

from django.core.management.base import BaseCommand, CommandError

from spa.backups import engine, services
from spa.backups.stream import BackupKeyError, DamagedArchive


class Command(BaseCommand):
    help = "Restore a backup (a file, or a name in BACKUP_DIR / the S3 bucket)."

    def add_arguments(self, parser):
        parser.add_argument("backup")
        parser.add_argument("--yes", action="store_true",
                            help="Confirm replacing the configured database and files.")  # fmt: skip
        parser.add_argument("--into", metavar="URL",
                            help="Restore the database into this one instead "
                                 "(sqlite:///path or postgres://…); files are not touched.")  # fmt: skip

    def handle(self, *args, backup, yes=False, into=None, **options):
        if not into and not yes:
            raise CommandError(
                "This replaces the database and the private files with the backup's. "
                "Run again with --yes to go ahead, or --into URL to restore elsewhere."
            )
        try:
            done = services.restore(backup, into=into)
        except (engine.BackupError, BackupKeyError, DamagedArchive) as exc:
            raise CommandError(f"restore failed: {exc}") from exc
        self.stdout.write(done)
