"""``manage.py load_locations [--file PATH]``: load or update the national location tree.

Reads ``rwalocation``'s village rows by default; ``--file`` takes another JSON list of the same
shape (another country, or a test tree). Safe to re-run: it updates in place.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from maternal.locations import load_locations, package_data_path, read_rows


class Command(BaseCommand):
    help = "Load or update the Province > District > Sector > Cell > Village tree."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=None,
            help="JSON list of village rows shaped like rwalocation/data.json (default: that file)",
        )

    def handle(self, *args, file: Path | None, **options):
        started = time.monotonic()
        path = file or package_data_path()
        try:
            summaries = load_locations(read_rows(path))
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        except ValueError as error:  # not JSON, or not a consistent tree (LocationDataError)
            raise CommandError(f"{path}: {error}") from error
        for summary in summaries:
            self.stdout.write(str(summary))
        self.stdout.write(f"done in {time.monotonic() - started:.1f} s")
