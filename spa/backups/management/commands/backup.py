"""`manage.py backup`: back up now (database + private files, encrypted with BACKUP_KEY)
into BACKUP_DIR and the S3 bucket, then prune. `--drill` checks it by restoring it into a
scratch database; `--new-key` prints a fresh BACKUP_KEY."""

from django.core.management.base import BaseCommand, CommandError

from spa.backups import services
from spa.backups.stream import new_key


class Command(BaseCommand):
    help = "Back up the database and the private files now (encrypted with BACKUP_KEY)."

    def add_arguments(self, parser):
        parser.add_argument("--drill", action="store_true",
                            help="Then restore it into a scratch database and check it.")  # fmt: skip
        parser.add_argument("--new-key", action="store_true",
                            help="Print a new BACKUP_KEY and do nothing else.")  # fmt: skip

    def handle(self, *args, drill=False, **options):
        if options.get("new_key"):
            self.stdout.write(new_key())
            return
        run = services.run_backup()
        if not run.ok:
            raise CommandError(f"backup failed: {run.detail}")
        self.stdout.write(f"{run.name}: {run.size} bytes in {run.duration:.1f} s "
                          f"({', '.join(run.destinations)}) {run.detail}".rstrip())  # fmt: skip
        if drill:
            result = services.run_drill(run.name)
            if not result.ok:
                raise CommandError(f"drill failed: {result.detail}")
            self.stdout.write(f"drill ok in {result.duration:.1f} s: {result.detail}")
