"""What the reminder sweeps did: the day's digest of each volunteer and the morning check of
each facility's duty cover. Their unique keys make every sweep safe to run twice. (The planned
visit reminders and the alert ladder's steps are ``maternal.models.Reminder`` and
``EscalationStep``: the domain plans them, this app sends them when due.)"""

from django.db import models


class Digest(models.Model):
    """The one routine SMS (possibly in several parts) a volunteer gets on a day; its unique key
    is what makes two beat processes or a retried task unable to send a second one."""

    reporter = models.ForeignKey("maternal.Reporter", on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    reminders = models.ManyToManyField("maternal.Reminder", related_name="digests")

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
