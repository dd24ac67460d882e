"""``manage.py dhis2_send --month YYYY-MM [--district NAME-OR-CODE] [--dry-run]``: posts the current
version of each district's report of the month to the configured DHIS2 instance (``DHIS2_URL``).
Run it with ``--dry-run`` first: DHIS2 checks every value and answers with its import summary
without saving anything. A real send records the version sent, its document and its date; a month
still in progress is never sent."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from reports import services
from reports.dhis2 import Dhis2Error, data_value_set, post_data_value_set
from reports.models import MonthlyReport
from reports.months import Month


class Command(BaseCommand):
    help = "Posts a month's district reports to DHIS2 (dataValueSets); --dry-run first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="Calendar month, YYYY-MM.")
        parser.add_argument("--district", help="One district's name or code (default: every district).")
        parser.add_argument(
            "--dry-run", action="store_true", help="DHIS2 checks the values and saves nothing."
        )

    def handle(self, *args, month: str, district: str | None, dry_run: bool, **options) -> None:
        try:
            period = Month.parse(month)
        except ValueError as error:
            raise CommandError(str(error)) from None
        computed = MonthlyReport.objects.filter(month=period.first_day).exclude(generated_at=None)
        if district:
            computed = computed.filter(Q(district__code=district) | Q(district__name__iexact=district))
        reports = list(computed.select_related("district").order_by("district__name"))
        if not reports:
            raise CommandError(f"No computed report for {period}{' in ' + district if district else ''}.")
        for report in reports:
            if not report.month_complete:
                raise CommandError(
                    f"{report.district.name} {period}: version {report.version} was computed while the month "
                    "was in progress; compute it again now that the month is over, then send it."
                )
            document = data_value_set(report)
            for place in document.pop("unmapped", []):
                self.stderr.write(f"{report.district.name}: {place} has no DHIS2 organisation unit; left out")
            try:
                summary = post_data_value_set(document, dry_run=dry_run)
            except Dhis2Error as error:
                raise CommandError(str(error)) from None
            counts = summary.get("importCount", {})
            self.stdout.write(
                f"{report.district.name} {period} v{report.version}{' (dry run)' if dry_run else ''}: "
                f"{summary.get('status', '?')} {json.dumps(counts)}"
            )
            for conflict in summary.get("conflicts", [])[:20]:
                self.stdout.write(f"  conflict: {conflict}")
            if not dry_run and summary.get("status") in ("SUCCESS", "WARNING", "OK"):
                services.record_dhis2_submission(report=report, document=document)
