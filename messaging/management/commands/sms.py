"""``manage.py sms PHONE TEXT`` or ``manage.py sms -``: the command-line SMS simulator.

Runs each message through the real router and prints every message sent as a result, one per
line, as ``-> PHONE: TEXT``. With ``-`` it reads ``PHONE<TAB>TEXT`` lines from standard input.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from messaging.router import simulate


class Command(BaseCommand):
    help = "Send one SMS (or lines 'PHONE<TAB>TEXT' from stdin with '-') through the router."

    def add_arguments(self, parser):
        parser.add_argument("phone", help="sender phone, or - to read PHONE<TAB>TEXT lines from stdin")
        parser.add_argument("text", nargs="?", default=None)

    def handle(self, *args, phone: str, text: str | None, **options):
        if phone == "-":
            for number, line in enumerate(sys.stdin, start=1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                sender, separator, message = line.partition("\t")
                if not separator:
                    raise CommandError(f"line {number}: expected PHONE<TAB>TEXT")
                self.run_one(sender.strip(), message)
            return
        if text is None:
            raise CommandError("give PHONE TEXT, or - to read from standard input")
        self.run_one(phone, text)

    def run_one(self, phone: str, text: str) -> None:
        for message in simulate(phone=phone, text=text):
            self.stdout.write(f"-> {message.phone}: {message.text}")
