"""``manage.py import_reporters FILE.csv``: active community health volunteers by phone.

Columns ``phone,name,national_id,village_code,facility_code,language``; see
``maternal.imports.import_reporters``.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from maternal.imports import ImportFileError, import_file, import_reporters


class Command(BaseCommand):
    help = "Import reporters from a CSV file; prints what was created, updated and rejected."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file with a header line")

    def handle(self, *args, file: Path, **options):
        try:
            result = import_file(file, import_reporters)
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from error
        for line in result.report_lines():
            self.stdout.write(line)
