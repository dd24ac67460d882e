from django.contrib import admin, messages
from django.utils import timezone

from maternal import services
from maternal.models import (
    Alert,
    AuditEntry,
    Baby,
    Birth,
    Death,
    Facility,
    Location,
    Mother,
    Pregnancy,
    Reporter,
    RiskReport,
    Staff,
    Visit,
)
from reminders.models import EscalationStep, Reminder


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


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "role", "facility", "district", "on_duty")
    list_filter = ("role", "on_duty", "district")
    list_editable = ("on_duty",)
    search_fields = ("name", "phone")
    raw_id_fields = ("facility", "district")


class ReadOnlyInline(admin.TabularInline):
    """Records written by SMS are shown, never edited, in the admin."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
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
    fields = ("level", "due_at", "status", "ran_at", "recipients")


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
