"""Planned reminders and escalation steps: rows with a due time and a status. Celery only
executes them; a periodic sweep over due rows is the scheduler."""

from django.db import models


class Reminder(models.Model):
    class Kind(models.TextChoices):
        ANC = "anc", "Antenatal contact"
        BIRTH_PREPAREDNESS = "birth_prep", "Birth preparedness"
        POST_EDD = "post_edd", "Follow-up after the due date"
        PNC = "pnc", "Postnatal contact"

    class Status(models.TextChoices):
        PLANNED = "planned"
        SENT = "sent"
        CLEARED = "cleared", "Visit reported"
        MISSED = "missed", "Missed visit"
        CANCELLED = "cancelled"
        EXPIRED = "expired", "Expired (not sent in time)"

    pregnancy = models.ForeignKey("maternal.Pregnancy", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sequence = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    sent_at = models.DateTimeField(null=True, blank=True)
    missed_on = models.DateField(null=True, blank=True, help_text="When the missed-visit follow-up went out.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pregnancy", "kind", "sequence"], name="one_reminder_per_contact")
        ]
        indexes = [models.Index(fields=["status", "due_date"])]
        ordering = ["due_date", "kind", "sequence"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sequence} due {self.due_date}"


#: The reminders of a contact with a health worker: only these become missed visits. The birth
#: preparedness reminder and the follow-up after the EDD are not visits.
VISIT_KINDS = (Reminder.Kind.ANC, Reminder.Kind.PNC)


class EscalationStep(models.Model):
    """One level of a red alert's ladder, due at a time; runs at most once."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        CANCELLED = "cancelled", "Cancelled (acknowledged)"

    alert = models.ForeignKey("maternal.Alert", on_delete=models.CASCADE, related_name="escalation_steps")
    level = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    ran_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "level"], name="one_step_per_level")]
        indexes = [models.Index(fields=["status", "due_at"])]
        ordering = ["alert", "level"]


class Digest(models.Model):
    """The one routine SMS (possibly in several parts) a volunteer gets on a day; its unique key
    is what makes two beat processes or a retried task unable to send a second one."""

    reporter = models.ForeignKey("maternal.Reporter", on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    reminders = models.ManyToManyField(Reminder, related_name="digests")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reporter", "day"], name="one_digest_per_day")]


class CoverCheck(models.Model):
    """One facility's morning check of duty cover: whether anyone was on duty at the first level
    of its red alerts (``maternal.selectors.FIRST_LEVEL_ROLES``), and how many people were told
    when nobody was. Its unique key is what makes two beats, a retried task or ``run_due`` unable
    to check a facility, or tell anyone about it, twice in a day."""

    facility = models.ForeignKey("maternal.Facility", on_delete=models.CASCADE, related_name="cover_checks")
    day = models.DateField()
    covered = models.BooleanField()
    checked_at = models.DateTimeField()
    told = models.PositiveSmallIntegerField(default=0, help_text="How many people the notice went to.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["facility", "day"], name="one_cover_check_per_day")]
        indexes = [models.Index(fields=["day", "covered"])]
