"""``manage.py district_report --district NAME-OR-CODE --month YYYY-MM [--language rw|en|fr]
[--output FILE]``: computes and renders one monthly district report here and now (a new version),
and prints the path of its PDF in the language asked."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from maternal.models import Location
from reports import services
from reports.months import Month


class Command(BaseCommand):
    help = "Renders one monthly district report (PDF) and prints the path of the file written."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--district", required=True, help="District name or national code, e.g. Gasabo or 102."
        )
        parser.add_argument("--month", required=True, help="Calendar month, YYYY-MM.")
        parser.add_argument(
            "--output", help="Also write the PDF to this file (default: only the stored copy)."
        )
        parser.add_argument("--language", default="en", choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args, district: str, month: str, output: str | None, language: str, **options) -> None:
        try:
            period = Month.parse(month)
        except ValueError as error:
            raise CommandError(str(error)) from None
        found = list(
            Location.objects.filter(
                Q(code=district) | Q(name__iexact=district), level=Location.Level.DISTRICT
            )
        )
        if len(found) != 1:
            problem = "No district" if not found else "Several districts"
            raise CommandError(f"{problem} match {district!r}; give the district's name or code.")
        try:
            report = services.generate_report(district=found[0], month=period)
        except services.ReportFailed as error:
            raise CommandError(str(error)) from None
        current = report.current
        assert current is not None  # a done report has its current version
        version = services.version_pdf(version=current, language=language)
        if output:
            path = Path(output).resolve()
            with version.open_pdf(language) as stored:
                path.write_bytes(stored.read())
        else:
            path = Path(version.pdf_path(language))
        self.stdout.write(str(path))
