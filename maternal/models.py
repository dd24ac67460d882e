"""People, places, pregnancies and what happens to them.

Every row that an SMS creates or changes points at the inbound message that caused it
(``messaging.InboundMessage``), which is the audit trail; ``AuditEntry`` lists the changes of a
mother in order, for her history in the admin.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

LANGUAGE_CHOICES = [("rw", "Kinyarwanda"), ("en", "English"), ("fr", "Français")]


class Location(models.Model):
    """One node of the administrative tree Province > District > Sector > Cell > Village.

    ``district`` and ``sector`` are the node's ancestors at those levels (or itself), kept by
    ``load_locations`` so that reports group by them without walking the tree.
    """

    class Level(models.TextChoices):
        PROVINCE = "province"
        DISTRICT = "district"
        SECTOR = "sector"
        CELL = "cell"
        VILLAGE = "village"

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    district = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sector = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["level", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()} {self.code})"


class Facility(models.Model):
    class Kind(models.TextChoices):
        HEALTH_POST = "health_post", "Health post"
        HEALTH_CENTRE = "health_centre", "Health centre"
        HOSPITAL = "hospital", "District hospital"

    code = models.CharField(max_length=16, unique=True, help_text="Short numeric code volunteers type.")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="facilities")
    district = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", editable=False)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referring",
        help_text="The hospital this facility refers to.",
    )
    served_cells = models.ManyToManyField(
        Location, blank=True, related_name="serving_facilities", limit_choices_to={"level": "cell"}
    )

    class Meta:
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        district_id = self.location.district_id
        if district_id is None:
            raise ValueError(f"{self.location} is in no district: a facility is in a district or below it")
        self.district_id = district_id
        super().save(*args, **kwargs)


class Reporter(models.Model):
    """A community health volunteer (CHW)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACTIVE = "active", _("active")
        INACTIVE = "inactive", _("inactive")

    phone = PhoneNumberField(unique=True)
    name = models.CharField(max_length=100, blank=True)
    national_id = models.CharField(max_length=16, blank=True)
    village = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="reporters")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="reporters")
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="rw")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    registered_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.name or 'CHW'} {self.phone}"


class Staff(models.Model):
    class Role(models.TextChoices):
        MIDWIFE = "midwife", _("midwife")
        NURSE = "nurse", _("nurse")
        IN_CHARGE = "in_charge", _("health-centre in-charge")
        MATERNITY_ON_CALL = "maternity_on_call", _("hospital maternity on-call")
        DISTRICT_OFFICIAL = "district_official", _("district official")

    phone = PhoneNumberField(unique=True)
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=20, choices=Role.choices)
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    district = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
    )
    on_duty = models.BooleanField(default=True)
    on_duty_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the current duty state began (empty: before duty changes were recorded).",
    )
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="rw")

    class Meta:
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class DutyChange(models.Model):
    """One change of a staff member's duty state: who, when, the new state, and how it was made
    (by SMS ``ON``/``OFF``, in the admin, by ``import_staff``). Written by ``services.set_duty``
    only; ``facility`` is the staff member's facility at the time."""

    class Source(models.TextChoices):
        SMS = "sms", "SMS"
        ADMIN = "admin", "Admin"
        IMPORT = "import", "Staff import"

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="duty_changes")
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.SET_NULL, related_name="duty_changes"
    )
    on_duty = models.BooleanField()
    changed_at = models.DateTimeField()
    source = models.CharField(max_length=6, choices=Source.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The admin user who made the change.",
    )
    message = models.ForeignKey(
        "messaging.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["staff", "changed_at"]),
            models.Index(fields=["facility", "changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} {'on' if self.on_duty else 'off'} duty {self.changed_at:%d.%m.%Y %H:%M}"


class FacilityCover(Facility):
    """A facility seen by who is on duty there (the admin's cover page)."""

    #: Its staff on duty, prefetched by the admin's queryset (``FacilityCoverAdmin.get_queryset``).
    staff_on_duty: list[Staff]

    class Meta:
        proxy = True
        verbose_name = "duty cover"
        verbose_name_plural = "duty cover"


class Mother(models.Model):
    """A woman followed by the system, known by her national ID or a short system ID."""

    class IdKind(models.TextChoices):
        NATIONAL = "national"
        FALLBACK = "fallback", "Volunteer phone + date"
        SYSTEM = "system"

    identifier = models.CharField(max_length=16, unique=True)
    id_kind = models.CharField(max_length=10, choices=IdKind.choices)
    phone = PhoneNumberField(blank=True)
    village = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="mothers")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="mothers")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.identifier


class Pregnancy(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        DELIVERED = "delivered", _("delivered")
        LOST = "lost", _("pregnancy loss")
        MATERNAL_DEATH = "maternal_death", _("maternal death")
        MOVED = "moved", _("moved away")

    mother = models.ForeignKey(Mother, on_delete=models.PROTECT, related_name="pregnancies")
    reporter = models.ForeignKey(Reporter, on_delete=models.PROTECT, related_name="pregnancies")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="pregnancies")
    village = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="pregnancies")
    last_menstrual_period = models.DateField()
    expected_delivery_date = models.DateField()
    gravidity = models.PositiveSmallIntegerField()
    parity = models.PositiveSmallIntegerField()
    previous_risks = models.JSONField(default=list, blank=True)
    symptoms = models.JSONField(default=list, blank=True)
    high_risk = models.BooleanField(default=False)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    muac_cm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    has_toilet = models.BooleanField(null=True, blank=True)
    has_handwashing = models.BooleanField(null=True, blank=True)
    next_visit_date = models.DateField(
        null=True,
        blank=True,
        help_text="The appointment the health centre gave at ANC 1 (a national long-form PRE is filed at ANC 1); "
        "reminded as ANC 2.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    registered_on = models.DateField()
    registered_at = models.DateTimeField(auto_now_add=True)
    closed_on = models.DateField(null=True, blank=True)
    source_message = models.ForeignKey(
        "messaging.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "pregnancies"
        constraints = [
            models.UniqueConstraint(
                fields=["mother"], condition=Q(status="active"), name="one_active_pregnancy_per_mother"
            )
        ]
        indexes = [
            models.Index(fields=["facility", "registered_on"]),
            models.Index(fields=["village", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.mother} (EDD {self.expected_delivery_date:%d.%m.%Y})"

    def gestational_age_weeks(self, on: date) -> int:
        return (on - self.last_menstrual_period).days // 7

    @property
    def registered_at_first_contact(self) -> bool:
        """A long-form PRE, sent from the health centre's ANC 1, is that contact."""
        return self.next_visit_date is not None

    def is_post_term(self, on: date) -> bool:
        return self.gestational_age_weeks(on) >= settings.POST_TERM_WEEKS

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


NAEGELE_DAYS = 280


def expected_delivery_date(last_menstrual_period: date) -> date:
    """Naegele's rule: LMP + 280 days (the old national code's 277 was inconsistent)."""
    return last_menstrual_period + timedelta(days=NAEGELE_DAYS)


class Visit(models.Model):
    """An antenatal or postnatal contact reported by a volunteer."""

    class Kind(models.TextChoices):
        ANC = "anc", "Antenatal"
        PNC = "pnc", "Postnatal"

    pregnancy = models.ForeignKey(Pregnancy, on_delete=models.PROTECT, related_name="visits")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    contact_number = models.PositiveSmallIntegerField()
    visit_date = models.DateField()
    symptoms = models.JSONField(default=list, blank=True)
    place = models.CharField(max_length=4, blank=True)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    muac_cm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    source_message = models.ForeignKey(
        "messaging.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["kind", "visit_date"])]


class RiskReport(models.Model):
    """A non-urgent risk; the health centre hears of it in its next digest."""

    pregnancy = models.ForeignKey(Pregnancy, on_delete=models.PROTECT, related_name="risk_reports")
    symptoms = models.JSONField(default=list)
    location = models.CharField(max_length=4, blank=True)
    reported_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    source_message = models.ForeignKey(
        "messaging.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class Birth(models.Model):
    pregnancy = models.OneToOneField(Pregnancy, on_delete=models.PROTECT, related_name="birth")
    birth_date = models.DateField()
    place = models.CharField(max_length=4)
    breastfeeding = models.CharField(max_length=4, blank=True)
    source_message = models.ForeignKey(
        "messaging.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["birth_date"])]

    @property
    def at_facility(self) -> bool:
        return self.place in {"hc", "hp"}


class Baby(models.Model):
    class Sex(models.TextChoices):
        BOY = "bo"
        GIRL = "gi"

    birth = models.ForeignKey(Birth, on_delete=models.PROTECT, related_name="babies")
    child_number = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=2, choices=Sex.choices)
    weight_kg = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    signs = models.JSONField(default=list, blank=True)
    stillborn = models.BooleanField(default=False)
    died_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "babies"
        constraints = [models.UniqueConstraint(fields=["birth", "child_number"], name="one_baby_per_number")]


class Death(models.Model):
    """A maternal death, stillbirth, miscarriage, newborn or child death (codes.md, DTH)."""

    class Kind(models.TextChoices):
        MATERNAL = "md", "Maternal death"
        STILLBIRTH = "sbd", "Stillbirth"
        MISCARRIAGE = "mcc", "Completed miscarriage"
        NEWBORN = "nd", "Newborn death"
        CHILD = "cd", "Child death"

    pregnancy = models.ForeignKey(Pregnancy, on_delete=models.PROTECT, related_name="deaths")
    baby = models.ForeignKey(Baby, null=True, blank=True, on_delete=models.PROTECT, related_name="deaths")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    date = models.DateField()
    place = models.CharField(max_length=4, blank=True)
    source_message = models.ForeignKey(
        "messaging.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["kind", "date"])]


class Alert(models.Model):
    """A red alert. Its primary key is the short number staff reply with (``OK 42``)."""

    class Status(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"
        CLOSED = "closed"

    pregnancy = models.ForeignKey(
        Pregnancy, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    mother_identifier = models.CharField(max_length=16, blank=True)
    reporter = models.ForeignKey(
        Reporter, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    sender_phone = PhoneNumberField()
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    danger_signs = models.JSONField(default=list)
    location = models.CharField(max_length=4, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    level = models.PositiveSmallIntegerField(default=1)
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_statuses = models.JSONField(default=list, blank=True)
    intervention = models.CharField(max_length=4, blank=True)
    ambulance = models.CharField(max_length=4, blank=True)
    open_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    source_message = models.ForeignKey(
        "messaging.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["status", "raised_at"]),
            models.Index(fields=["facility", "raised_at"]),
        ]
        constraints = [
            # One emergency, one ladder: a second RED for a mother whose alert is open joins it
            # (alerts.raise_alert), even when two arrive at the same instant.
            models.UniqueConstraint(
                fields=["mother_identifier"],
                condition=models.Q(status__in=["open", "acknowledged"]) & ~models.Q(mother_identifier=""),
                name="one_open_alert_per_mother",
            )
        ]

    def __str__(self) -> str:
        return f"Alert {self.pk}"

    @property
    def number(self) -> int:
        return self.pk

    @property
    def response_time(self) -> timedelta | None:
        return self.acknowledged_at - self.raised_at if self.acknowledged_at else None


class Reminder(models.Model):
    """One planned contact of a pregnancy's care plan (``maternal.care_plan``), due on a day.
    Reporting the visit clears it; the reminder sweep (the ``reminders`` app) sends it."""

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

    pregnancy = models.ForeignKey(Pregnancy, on_delete=models.CASCADE, related_name="reminders")
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
    """One level of a red alert's ladder, due at a time; runs at most once. ``paged`` is who it
    sent the alert to, so a later RED's new signs go to the people who actually have it."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        CANCELLED = "cancelled", "Cancelled (acknowledged)"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="escalation_steps")
    level = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    ran_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0, help_text="How many people this level paged.")
    paged = models.JSONField(
        default=list, blank=True, help_text="Who this level paged: phone, language and name of each."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "level"], name="one_step_per_level")]
        indexes = [models.Index(fields=["status", "due_at"])]
        ordering = ["alert", "level"]


class AuditEntry(models.Model):
    """One change to a mother's records, linked to the message that caused it."""

    mother = models.ForeignKey(
        Mother, null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    message = models.ForeignKey(
        "messaging.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    action = models.CharField(max_length=40)
    summary = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "audit entries"
