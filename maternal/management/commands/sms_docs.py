"""``manage.py sms_docs``: write docs/sms-commands.md from the grammar and the code tables."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from maternal.sms.docs import render


class Command(BaseCommand):
    help = "Regenerate docs/sms-commands.md from the grammar, the codes and the handlers."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "docs" / "sms-commands.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(render())
        self.stdout.write(f"wrote {path}")
