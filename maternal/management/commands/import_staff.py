"""``manage.py import_staff FILE.csv``: midwives, nurses, in-charges, on-call and officials.

Columns ``phone,name,role,facility_code,district,on_duty,language``; see
``maternal.imports.import_staff``.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from maternal.imports import ImportFileError, import_file, import_staff


class Command(BaseCommand):
    help = "Import staff from a CSV file; prints what was created, updated and rejected."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file with a header line")

    def handle(self, *args, file: Path, **options):
        try:
            result = import_file(file, import_staff)
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from error
        for line in result.report_lines():
            self.stdout.write(line)
