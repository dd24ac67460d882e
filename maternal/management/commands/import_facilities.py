"""``manage.py import_facilities FILE.csv``: health posts, centres and hospitals by code.

Columns ``code,name,kind,village_code,parent_code``; see ``maternal.imports.import_facilities``.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from maternal.imports import ImportFileError, import_facilities, import_file


class Command(BaseCommand):
    help = "Import facilities from a CSV file; prints what was created, updated and rejected."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file with a header line")

    def handle(self, *args, file: Path, **options):
        try:
            result = import_file(file, import_facilities)
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from error
        for line in result.report_lines():
            self.stdout.write(line)
