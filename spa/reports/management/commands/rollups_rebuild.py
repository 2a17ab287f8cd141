import time

from django.core.management.base import BaseCommand

from spa.reports.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute every report rollup from the raw rows (new installation, bulk loads)."

    def handle(self, *args, **options):
        started = time.monotonic()

        def say(text: str) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"{time.monotonic() - started:8.1f}s  {text}")

        rollups_rebuild(progress=say)
        self.stdout.write(f"Rollups rebuilt in {time.monotonic() - started:.1f} s.")
