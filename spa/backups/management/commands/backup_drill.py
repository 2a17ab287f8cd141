"""`manage.py backup_drill [<backup>]`: restore a backup (the latest by default) into a
scratch database, check it, record the result, drop the scratch database."""

from django.core.management.base import BaseCommand, CommandError

from spa.backups import services


class Command(BaseCommand):
    help = "Restore the latest (or the given) backup into a scratch database and check it."

    def add_arguments(self, parser):
        parser.add_argument("backup", nargs="?", help="A backup's file or name.")
        parser.add_argument("--scratch", help="PostgreSQL: the scratch database's name.")

    def handle(self, *args, backup=None, scratch=None, **options):
        run = services.run_drill(backup, scratch=scratch)
        if not run.ok:
            raise CommandError(f"drill of {run.backup_name or '-'} failed: {run.detail}")
        self.stdout.write(f"{run.backup_name}: ok in {run.duration:.1f} s, {run.detail}")
