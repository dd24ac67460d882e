"""``manage.py run_due [--at ISO-DATETIME]``: run every escalation step, reminder digest, morning
duty-cover check and queued message due at that moment and print what was sent, one per line as ``-> PHONE: TEXT``.
What operators use to catch up after an outage; it needs no worker."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from maternal.alerts import sweep_escalations
from messaging.delivery import DELIVERABLE, sweep_outbox
from messaging.models import OutgoingMessage
from reminders.cover import check_cover
from reminders.services import send_due_reminders

PARAMETERS_PER_QUERY = 10_000


class Command(BaseCommand):
    help = "Run every reminder, digest and escalation step due at a moment (default now)."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO date-time, e.g. 2026-11-26T09:00 (local time if no offset)")

    def handle(self, *args, at: str | None = None, **options):
        moment = timezone.now()
        if at:
            try:
                moment = datetime.fromisoformat(at)
            except ValueError as error:
                raise CommandError(f"--at: {error}") from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        pending_before = list(
            OutgoingMessage.objects.filter(status__in=DELIVERABLE).values_list("pk", flat=True)
        )
        last_id = OutgoingMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        escalations = sweep_escalations(now=moment)
        reminders = send_due_reminders(now=moment)
        cover = check_cover(now=moment)
        sweep_outbox()  # what they queued, and what was waiting: no worker needed
        sent_now = OutgoingMessage.objects.filter(status=OutgoingMessage.Status.SENT)
        retries: list[OutgoingMessage] = []
        # In slices: after a long outage the backlog can outgrow a statement's 65,535 parameters.
        for start in range(0, len(pending_before), PARAMETERS_PER_QUERY):
            retries += sent_now.filter(pk__in=pending_before[start : start + PARAMETERS_PER_QUERY])
        sent = [*sent_now.filter(pk__gt=last_id), *retries]
        for message in sorted(sent, key=lambda message: message.pk):
            self.stdout.write(f"-> {message.phone}: {message.text}")
        self.stderr.write(
            f"escalation steps {escalations['steps']}, digests {reminders['digests']} "
            f"({reminders['reminders']} reminders, {reminders['expired']} expired), risks told {reminders.get('risks', 0)}, "
            f"facilities without cover {cover['uncovered']} ({cover['told']} told), "
            f"outbox retries sent {len(retries)}"
        )
