import time

from django.core.management.base import BaseCommand

from spa.reports.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute every report rollup from the raw rows (new installation, bulk loads)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true",
            help="Only when the rollups are empty but there are clients (a first start after "
                 "an upgrade); otherwise do nothing.",
        )  # fmt: skip

    def handle(self, *args, **options):
        from spa.clients.models import Client
        from spa.reports.models import ClientStats

        if options["if_empty"] and (ClientStats.objects.exists() or not Client.objects.exists()):
            return
        started = time.monotonic()

        def say(text: str) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"{time.monotonic() - started:8.1f}s  {text}")

        rollups_rebuild(progress=say)
        self.stdout.write(f"Rollups rebuilt in {time.monotonic() - started:.1f} s.")
