from datetime import timedelta

from django.contrib import admin, messages
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import format_html_join

from maternal import services
from maternal.models import (
    Alert,
    AuditEntry,
    Baby,
    Birth,
    Death,
    DutyChange,
    EscalationStep,
    Facility,
    FacilityCover,
    Location,
    Mother,
    Pregnancy,
    Reminder,
    Reporter,
    RiskReport,
    Staff,
    Visit,
)
from maternal.selectors import FIRST_LEVEL_ROLES, covered

#: How far back the duty history inlines look (the full history is the "Duty changes" list).
RECENT_DUTY = timedelta(days=30)


class DistrictFilter(admin.RelatedFieldListFilter):
    """Offers the districts only. The field points at a place of any level, and a list of every
    place (Rwanda has about 17,400) is of no use; counted by the admin's facets (``_facets``), it
    was a query too wide for PostgreSQL (1,664 columns at most) that ran for seconds first."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin) or ("name",)
        return field.get_choices(
            include_blank=False, ordering=ordering, limit_choices_to={"level": Location.Level.DISTRICT}
        )


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")
    raw_id_fields = ("parent", "district", "sector")


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "district", "parent")
    list_filter = ("kind", ("district", DistrictFilter))
    search_fields = ("name", "code")
    raw_id_fields = ("location", "parent")
    filter_horizontal = ("served_cells",)


@admin.register(Reporter)
class ReporterAdmin(admin.ModelAdmin):
    list_display = ("phone", "name", "facility", "village", "language", "status")
    list_filter = ("status", "language", ("facility__district", DistrictFilter))
    search_fields = ("phone", "name", "national_id")
    raw_id_fields = ("village", "facility", "approved_by")
    actions = ["approve"]

    @admin.action(description="Approve the selected pending volunteers")
    def approve(self, request, queryset):
        pending = queryset.filter(status=Reporter.Status.PENDING)
        for reporter in pending:
            services.approve_reporter(registration_number=reporter.pk, staff=None)
        self.message_user(request, f"{pending.count()} volunteer(s) approved.", messages.SUCCESS)


class ReadOnlyInline(admin.TabularInline):
    """Records written by SMS are shown, never edited, in the admin."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class RecentDutyChangesInline(ReadOnlyInline):
    """The last 30 days of duty changes, newest first."""

    model = DutyChange
    fields = ("changed_at", "staff", "on_duty", "source", "changed_by", "message")
    verbose_name_plural = "duty history (last 30 days; all in Duty changes)"

    def get_queryset(self, request):
        since = timezone.now() - RECENT_DUTY
        return (
            super().get_queryset(request).filter(changed_at__gte=since).select_related("staff", "changed_by")
        )


class StaffDutyChangesInline(RecentDutyChangesInline):
    fk_name = "staff"
    fields = ("changed_at", "on_duty", "source", "facility", "changed_by", "message")


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "role", "facility", "district", "on_duty", "on_duty_since")
    list_filter = ("role", "on_duty", "district")
    list_editable = ("on_duty",)
    search_fields = ("name", "phone")
    raw_id_fields = ("facility", "district")
    readonly_fields = ("on_duty_since",)
    inlines = [StaffDutyChangesInline]

    def save_model(self, request, obj, form, change):
        """A change of duty (on the form or in the list) is recorded by ``set_duty``, by whom."""
        on_duty = obj.on_duty
        duty_changed = not change or "on_duty" in form.changed_data
        if change and duty_changed:
            obj.on_duty = form.initial["on_duty"]
        super().save_model(request, obj, form, change)
        if duty_changed:
            services.set_duty(
                staff=obj, on_duty=on_duty, source=DutyChange.Source.ADMIN, changed_by=request.user
            )


@admin.register(DutyChange)
class DutyChangeAdmin(admin.ModelAdmin):
    """Every duty change, newest first: who went on or off duty, when, and how."""

    list_display = ("changed_at", "staff", "facility", "on_duty", "source", "changed_by")
    list_filter = ("on_duty", "source", ("facility__district", DistrictFilter))
    list_select_related = ("staff", "facility", "changed_by")
    search_fields = ("staff__name", "staff__phone", "facility__name", "facility__code")
    raw_id_fields = ("staff", "facility", "changed_by", "message")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CoverFilter(admin.SimpleListFilter):
    title = "first-level cover"
    parameter_name = "cover"

    def lookups(self, request, model_admin):
        return [("yes", "Someone on duty"), ("no", "Nobody on duty")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(covered())
        if self.value() == "no":
            return queryset.exclude(covered())
        return queryset


class StaffOnDutyInline(ReadOnlyInline):
    model = Staff
    fields = ("name", "role", "phone", "on_duty", "on_duty_since")
    ordering = ("-on_duty", "role", "name")
    verbose_name_plural = "staff and their duty"
    show_change_link = True


class FacilityDutyChangesInline(RecentDutyChangesInline):
    fk_name = "facility"


@admin.register(FacilityCover)
class FacilityCoverAdmin(admin.ModelAdmin):
    """Per health centre and district hospital: who is on duty now and since when, whether anyone
    is there for the first level of a red alert (midwife or nurse; maternity on-call), the staff
    and the last 30 days of duty changes. Read-only: duty changes by SMS or on the staff page."""

    list_display = ("name", "code", "kind", "district", "first_level_cover", "on_duty_now")
    list_filter = (("district", DistrictFilter), "kind", CoverFilter)
    ordering = ("district__name", "name")
    search_fields = ("name", "code")
    fields = ("name", "code", "kind", "district", "parent")
    inlines = [StaffOnDutyInline, FacilityDutyChangesInline]

    def get_queryset(self, request):
        on_duty = Staff.objects.filter(on_duty=True).order_by("name", "pk")
        return (
            super()
            .get_queryset(request)
            .filter(kind__in=FIRST_LEVEL_ROLES)
            .select_related("district")
            .prefetch_related(Prefetch("staff", queryset=on_duty, to_attr="staff_on_duty"))
        )

    @admin.display(description="first-level cover", boolean=True)
    def first_level_cover(self, obj: FacilityCover) -> bool:
        return any(person.role in FIRST_LEVEL_ROLES[obj.kind] for person in obj.staff_on_duty)

    @admin.display(description="on duty now (since)")
    def on_duty_now(self, obj: FacilityCover) -> str:
        return (
            format_html_join(
                ", ",
                "{} ({}, {})",
                (
                    (
                        person.name,
                        person.get_role_display(),
                        f"since {timezone.localtime(person.on_duty_since):%d.%m.%Y %H:%M}"
                        if person.on_duty_since
                        else "since before the history",
                    )
                    for person in obj.staff_on_duty
                ),
            )
            or "nobody"
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PregnancyInline(ReadOnlyInline):
    model = Pregnancy
    fields = ("last_menstrual_period", "expected_delivery_date", "status", "high_risk", "reporter")
    show_change_link = True


class HistoryInline(ReadOnlyInline):
    """The mother's history: every change, with the SMS that caused it."""

    model = AuditEntry
    fields = ("created_at", "action", "summary", "message")
    verbose_name_plural = "history"


@admin.register(Mother)
class MotherAdmin(admin.ModelAdmin):
    list_display = ("identifier", "id_kind", "village", "facility", "created_at")
    search_fields = ("identifier",)
    list_filter = (("facility__district", DistrictFilter),)
    raw_id_fields = ("village", "facility")
    inlines = [PregnancyInline, HistoryInline]


class VisitInline(ReadOnlyInline):
    model = Visit
    fields = ("kind", "contact_number", "visit_date", "symptoms", "place")


class ReminderInline(ReadOnlyInline):
    """The pregnancy's schedule: every planned reminder and what became of it."""

    model = Reminder
    fields = ("kind", "sequence", "due_date", "status", "sent_at", "missed_on")
    verbose_name_plural = "schedule (reminders)"


@admin.register(Pregnancy)
class PregnancyAdmin(admin.ModelAdmin):
    list_display = (
        "mother",
        "facility",
        "last_menstrual_period",
        "expected_delivery_date",
        "status",
        "high_risk",
    )
    list_filter = ("status", "high_risk", ("facility__district", DistrictFilter))
    search_fields = ("mother__identifier",)
    raw_id_fields = ("mother", "reporter", "facility", "village", "source_message")
    readonly_fields = ("expected_delivery_date",)
    inlines = [VisitInline, ReminderInline]

    def save_model(self, request, obj, form, change):
        if change and "last_menstrual_period" in form.changed_data:
            lmp = obj.last_menstrual_period
            obj.last_menstrual_period = form.initial["last_menstrual_period"]
            super().save_model(request, obj, form, change)
            services.correct_last_menstrual_period(
                pregnancy=obj, last_menstrual_period=lmp, today=timezone.localdate()
            )
        else:
            super().save_model(request, obj, form, change)


class EscalationStepInline(ReadOnlyInline):
    model = EscalationStep
    fields = ("level", "due_at", "status", "ran_at", "recipients", "paged")


class OpenAlertFilter(admin.SimpleListFilter):
    """Open alerts by default: the list staff watch, highest level first, oldest first."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open (not acknowledged)"), ("all", "All")]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "open") == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if (self.value() or "open") == "open":
            return queryset.filter(status=Alert.Status.OPEN)
        return queryset


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "level",
        "status",
        "facility",
        "mother_identifier",
        "raised_at",
        "acknowledged_at",
        "acknowledged_by",
        "response_time",
    )
    list_filter = (OpenAlertFilter, "level", ("facility__district", DistrictFilter))
    ordering = ("-level", "raised_at")
    raw_id_fields = ("pregnancy", "reporter", "facility", "acknowledged_by", "source_message")
    inlines = [EscalationStepInline]


admin.site.register([Birth, Baby, Death, RiskReport])
