"""``manage.py dhis2_metadata [--output FILE]``: writes the DHIS2 metadata package (data elements,
indicators, data set) that ``deploy/dhis2/metadata.json`` ships; a test keeps that file in step."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from reports.dhis2 import metadata_package

SHIPPED = Path(__file__).resolve().parents[3] / "deploy" / "dhis2" / "metadata.json"


def package_text() -> str:
    return json.dumps(metadata_package(), indent=2, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Writes the DHIS2 metadata package of the monthly report (default: deploy/dhis2/metadata.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=SHIPPED)

    def handle(self, *args, output: Path, **options) -> None:
        output.write_text(package_text(), encoding="utf-8")
        self.stdout.write(str(output))
