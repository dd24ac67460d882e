"""``manage.py create_demo_admin``: the embedded demo system's superuser, ``admin`` with the
password ``umubyeyi-demo``, created or reset so the README's login always works.

A published password must never reach a production site, so it refuses to run with DEBUG off.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"
PASSWORD = "umubyeyi-demo"


class Command(BaseCommand):
    help = "Create the demo superuser admin / umubyeyi-demo (or reset its password)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("DEBUG is off: refusing to create a superuser with a known password")
        user, created = get_user_model().objects.get_or_create(username=USERNAME)
        user.is_active = user.is_staff = user.is_superuser = True
        user.set_password(PASSWORD)
        user.save()
        done = "created" if created else "reset"
        self.stdout.write(f"demo superuser {done}: username {USERNAME}, password {PASSWORD}")
