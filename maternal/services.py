"""Every write of maternal-health state. One transaction per business action; the SMS handlers,
the admin and the imports call these and stay thin.

A service that refuses an action raises ``Refusal`` with a reply already translated into the
active language (handlers call services inside ``translation.override``).

Each action is ``transaction.atomic(savepoint=False)``: its own transaction when called alone (the
admin, an import), or part of its caller's without a savepoint when an SMS's transaction is open
(``messaging.router.receive_sms``). An action that raises, a refusal included, marks that whole
transaction for rollback; the SMS path then rolls it back and stores the message with its reply in
a transaction of its own. (Savepoints would cost two statements each on every accepted report.)
A unique key that a concurrent transaction wins (two registrations of one mother at once) fails
the SMS's transaction, which ``receive_sms`` runs once more: it then gets the clear refusal.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import DateField, IntegerField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from maternal import care_plan, lifecycle
from maternal.models import (
    AuditEntry,
    Baby,
    Birth,
    Death,
    DutyChange,
    Facility,
    Location,
    Mother,
    Pregnancy,
    Reminder,
    Reporter,
    RiskReport,
    Staff,
    Visit,
    expected_delivery_date,
)
from maternal.schedules import PlannedContact
from messaging import sql
from messaging.models import InboundMessage, OutgoingMessage
from messaging.services import send_sms


class Refusal(Exception):
    """A report that cannot be recorded; ``reply`` says why, in the sender's language."""

    def __init__(self, reply: str):
        super().__init__(reply)
        self.reply = reply


def audit(*, mother: Mother | None, message: InboundMessage | None, action: str, summary: str) -> None:
    sql.insert(AuditEntry(mother=mother, message=message, action=action, summary=summary[:255]))


# --- volunteers ----------------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def register_reporter(
    *,
    phone: str,
    national_id: str,
    facility_code: str,
    village_code: str,
    language: str | None,
    message: InboundMessage | None = None,
) -> Reporter:
    """A volunteer asks to join (``REG``): pending until staff of the facility approve."""
    facility = Facility.objects.filter(code=facility_code).first()
    village = Location.objects.filter(code=village_code, level=Location.Level.VILLAGE).first()
    problems = []
    if facility is None:
        problems.append(_("No health facility has code %(code)s.") % {"code": facility_code})
    if village is None:
        problems.append(_("No village has code %(code)s.") % {"code": village_code})
    if facility is None or village is None:
        raise Refusal(" ".join(problems))
    existing = Reporter.objects.filter(phone=phone).first()
    if existing and existing.status == Reporter.Status.ACTIVE:
        raise Refusal(_("This phone is already registered as an active volunteer."))
    reporter = existing or Reporter(phone=phone)
    reporter.national_id = national_id
    reporter.facility = facility
    reporter.village = village
    reporter.language = language or reporter.language
    reporter.status = Reporter.Status.PENDING
    reporter.save()
    audit(
        mother=None, message=message, action="reporter_registered", summary=f"volunteer {phone} asked to join"
    )
    return reporter


@transaction.atomic(savepoint=False)
def approve_reporter(
    *, registration_number: int, staff: Staff | None, message: InboundMessage | None = None
) -> Reporter:
    """Staff of the volunteer's facility approve a pending registration (``YES <n>``); ``staff`` is
    None when an administrator approves in the admin."""
    reporter = Reporter.objects.select_for_update().filter(pk=registration_number).first()
    if reporter is None or reporter.status != Reporter.Status.PENDING:
        raise Refusal(_("No pending registration number %(number)s.") % {"number": registration_number})
    if staff and staff.facility_id != reporter.facility_id and staff.role != Staff.Role.DISTRICT_OFFICIAL:
        raise Refusal(
            _("Registration %(number)s belongs to another facility.") % {"number": registration_number}
        )
    reporter.status = Reporter.Status.ACTIVE
    reporter.approved_at = timezone.now()
    reporter.approved_by = staff
    reporter.save(update_fields=["status", "approved_at", "approved_by"])
    audit(
        mother=None,
        message=message,
        action="reporter_approved",
        summary=f"volunteer {reporter.phone} approved by {staff.phone if staff else 'an administrator'}",
    )
    return reporter


@transaction.atomic(savepoint=False)
def set_language(*, phone: str, language: str) -> None:
    Reporter.objects.filter(phone=phone).update(language=language)
    Staff.objects.filter(phone=phone).update(language=language)


# --- staff on duty -------------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def set_duty(
    *,
    staff: Staff,
    on_duty: bool,
    source: str,
    changed_by: User | None = None,
    message: InboundMessage | None = None,
) -> DutyChange | None:
    """Put a staff member on or off duty from now (SMS ``ON``/``OFF``, the admin, ``import_staff``)
    and record the change. The same state again changes nothing and records nothing (None), unless
    its start is unknown (a new staff member, or one from before the history): that is recorded as
    its start. ``staff`` is refreshed with its state. A conditional update, so two messages at once
    record one change."""
    now = timezone.now()
    changed = (
        Staff.objects.filter(pk=staff.pk)
        .filter(~Q(on_duty=on_duty) | Q(on_duty_since__isnull=True))
        .update(on_duty=on_duty, on_duty_since=now)
    )
    staff.refresh_from_db(fields=["on_duty", "on_duty_since"])
    if not changed:
        return None
    return DutyChange.objects.create(
        staff=staff,
        facility_id=staff.facility_id,
        on_duty=on_duty,
        changed_at=now,
        source=source,
        changed_by=changed_by,
        message=message,
    )


# --- pregnancies ---------------------------------------------------------------------------


def _new_system_identifier() -> str:
    while True:
        candidate = f"T{random.randint(1000, 99999)}"
        if not Mother.objects.filter(identifier=candidate).exists():
            return candidate


@dataclass(frozen=True)
class Measurements:
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    muac_cm: Decimal | None = None
    has_toilet: bool | None = None
    has_handwashing: bool | None = None


def find_mother(identifier: str) -> Mother | None:
    """The mother registered with ``identifier``, if any (read in SQL, as ``identify_sender``: every
    registration runs it)."""
    found = Mother.objects.raw("SELECT * FROM maternal_mother WHERE identifier = %s", [identifier.upper()])
    return next(iter(found), None)


def check_catchment(reporter: Reporter, mother: Mother) -> None:
    """A volunteer reports only on mothers of their facility's catchment (settable)."""
    if settings.CATCHMENT_RESTRICTED and mother.facility_id != reporter.facility_id:
        raise Refusal(
            _("Mother %(id)s belongs to another health facility; her own volunteer must report.")
            % {"id": mother.identifier}
        )


@dataclass(frozen=True)
class Registration:
    pregnancy: Pregnancy
    #: The reminders just planned for her (what the reply may promise, without reading them back).
    planned: list[Reminder]


@transaction.atomic(savepoint=False)
def register_pregnancy(
    *,
    reporter: Reporter,
    mother_id_kind: str,
    mother_identifier: str | None,
    last_menstrual_period: date,
    gravidity: int,
    parity: int,
    previous_risks: list[str],
    symptoms: list[str],
    mother_phone: str = "",
    measurements: Measurements = Measurements(),
    next_visit_date: date | None = None,
    today: date,
    message: InboundMessage | None = None,
) -> Registration:
    """Register a pregnancy (``PRE``): computes the EDD, flags risk, refuses a second active
    pregnancy for the same mother. ``mother_identifier`` is None for a woman without an ID
    (``NEW``): she gets a short system ID. ``next_visit_date`` comes with the national long form,
    sent from the health centre's first contact: the registration is ANC 1 and the appointment
    ANC 2. An LMP less than MIN_WEEKS_AT_REGISTRATION ago is taken for a typing mistake and
    refused; one POST_TERM_WEEKS or more ago is registered high-risk (the reply says to refer her)."""
    if (today - last_menstrual_period).days < 7 * settings.MIN_WEEKS_AT_REGISTRATION:
        raise Refusal(
            _(
                "LMP %(lmp)s is less than %(weeks)s weeks ago: check the date and send PRE again. Nothing was recorded."
            )
            % {"lmp": f"{last_menstrual_period:%d.%m.%Y}", "weeks": settings.MIN_WEEKS_AT_REGISTRATION}
        )
    mother: Mother | None
    if mother_identifier is None:
        mother = sql.insert(
            Mother(
                identifier=_new_system_identifier(),
                id_kind=Mother.IdKind.SYSTEM,
                phone=mother_phone,
                village_id=reporter.village_id,
                facility_id=reporter.facility_id,
            )
        )
    else:
        mother = find_mother(mother_identifier)
        if mother is None:
            mother = sql.insert(
                Mother(
                    identifier=mother_identifier,
                    id_kind=mother_id_kind,
                    phone=mother_phone,
                    village_id=reporter.village_id,
                    facility_id=reporter.facility_id,
                )
            )
        else:
            active = mother.pregnancies.filter(status=Pregnancy.Status.ACTIVE).first()
            if active:
                raise Refusal(
                    _("Mother %(id)s already has an active pregnancy (EDD %(edd)s, registered %(date)s).")
                    % {
                        "id": mother.identifier,
                        "edd": f"{active.expected_delivery_date:%d.%m.%Y}",
                        "date": f"{active.registered_on:%d.%m.%Y}",
                    }
                )
            mother.village_id, mother.facility_id = reporter.village_id, reporter.facility_id
            if mother_phone:
                mother.phone = mother_phone
            mother.save()
    post_term = (today - last_menstrual_period).days >= 7 * settings.POST_TERM_WEEKS
    high_risk = (
        post_term or any(code != "nr" for code in previous_risks) or any(code != "np" for code in symptoms)
    )
    pregnancy = sql.insert(
        Pregnancy(
            mother=mother,
            reporter=reporter,
            facility_id=reporter.facility_id,
            village_id=reporter.village_id,
            last_menstrual_period=last_menstrual_period,
            expected_delivery_date=expected_delivery_date(last_menstrual_period),
            gravidity=gravidity,
            parity=parity,
            previous_risks=previous_risks,
            symptoms=symptoms,
            high_risk=high_risk,
            weight_kg=measurements.weight_kg,
            height_cm=measurements.height_cm,
            muac_cm=measurements.muac_cm,
            has_toilet=measurements.has_toilet,
            has_handwashing=measurements.has_handwashing,
            next_visit_date=next_visit_date,
            registered_on=today,
            source_message=message,
        )
    )
    planned = care_plan.plan_pregnancy(pregnancy, today=today)
    audit(
        mother=mother,
        message=message,
        action="pregnancy_registered",
        summary=f"pregnancy registered, LMP {last_menstrual_period:%d.%m.%Y}, G{gravidity} P{parity}"
        + (", post-term" if post_term else ""),
    )
    return Registration(pregnancy, planned)


@transaction.atomic(savepoint=False)
def correct_last_menstrual_period(
    *, pregnancy: Pregnancy, last_menstrual_period: date, today: date
) -> Pregnancy:
    """A corrected LMP (from the admin): new EDD, and the reminders not yet sent are planned again."""
    previous = pregnancy.last_menstrual_period
    pregnancy.last_menstrual_period = last_menstrual_period
    pregnancy.expected_delivery_date = expected_delivery_date(last_menstrual_period)
    pregnancy.save(update_fields=["last_menstrual_period", "expected_delivery_date"])
    care_plan.replan_pregnancy(pregnancy, today=today)
    audit(
        mother=pregnancy.mother,
        message=None,
        action="lmp_corrected",
        summary=f"LMP corrected from {previous:%d.%m.%Y} to {last_menstrual_period:%d.%m.%Y}",
    )
    return pregnancy


# --- follow-up of a pregnancy ----------------------------------------------------------------


def pregnancy_for_report(
    reporter: Reporter,
    identifier: str,
    *,
    statuses: tuple[str, ...] = ("active",),
    annotations: dict[str, RawSQL] | None = None,
) -> Pregnancy:
    """The mother's latest pregnancy in one of ``statuses`` that this volunteer may report on;
    ``annotations`` are read in the same query (what a report checks about her earlier visits)."""
    # One query in the usual case (a registered mother): her latest pregnancy, with her.
    pregnancy = _latest_pregnancy(identifier.upper(), annotations or {})
    mother = pregnancy.mother if pregnancy else find_mother(identifier)
    if mother is None:
        raise Refusal(_("No mother with ID %(id)s. Register her first with PRE.") % {"id": identifier})
    check_catchment(reporter, mother)
    if pregnancy is None or pregnancy.status not in statuses:
        if pregnancy is not None and pregnancy.status != Pregnancy.Status.ACTIVE:
            raise Refusal(
                _("The pregnancy of %(id)s is closed (%(status)s); nothing was recorded.")
                % {"id": identifier, "status": pregnancy.get_status_display()}
            )
        raise Refusal(_("Mother %(id)s has no pregnancy this report can apply to.") % {"id": identifier})
    return pregnancy


#: The mother's columns read with her pregnancy (a column not read is loaded if it is used).
_MOTHER_COLUMNS = ("id", "identifier", "id_kind", "phone", "village_id", "facility_id")


def _latest_pregnancy(identifier: str, annotations: dict[str, RawSQL]) -> Pregnancy | None:
    """The latest pregnancy of the mother with ``identifier``, with her and with ``annotations``
    (correlated subqueries on ``maternal_pregnancy.id``) as attributes. Written in SQL: the ORM's
    building of this query (a join and the subqueries) cost three times the query itself
    (docs/benchmarks.md); ``Manager.raw`` still converts the pregnancy's columns."""
    mother_columns = "".join(f", maternal_mother.{column} AS mother__{column}" for column in _MOTHER_COLUMNS)
    values = "".join(f", ({expression.sql}) AS {name}" for name, expression in annotations.items())
    query = Pregnancy.objects.raw(
        f"""SELECT maternal_pregnancy.*{mother_columns}{values}
            FROM maternal_pregnancy JOIN maternal_mother ON maternal_mother.id = maternal_pregnancy.mother_id
            WHERE maternal_mother.identifier = %s
            ORDER BY maternal_pregnancy.registered_at DESC LIMIT 1""",
        [*(param for expression in annotations.values() for param in expression.params), identifier],
    )
    pregnancy = next(iter(query), None)
    if pregnancy is None:
        return None
    for name, expression in annotations.items():  # as the database gave them (SQLite: dates as text)
        setattr(pregnancy, name, expression.output_field.to_python(getattr(pregnancy, name)))
    pregnancy.mother = sql.instance(
        Mother, {column: getattr(pregnancy, f"mother__{column}") for column in _MOTHER_COLUMNS}
    )
    return pregnancy


def _check_not_before_lmp(pregnancy: Pregnancy, when: date) -> None:
    if when < pregnancy.last_menstrual_period:
        raise Refusal(
            _("Date %(date)s is before the LMP (%(lmp)s); nothing was recorded.")
            % {"date": f"{when:%d.%m.%Y}", "lmp": f"{pregnancy.last_menstrual_period:%d.%m.%Y}"}
        )


@dataclass(frozen=True)
class VisitOutcome:
    visit: Visit
    #: The contact number went backwards (or repeated): recorded, but the reply questions it.
    out_of_order: bool
    #: The next contact of the kind still to be reminded (what an ANC reply promises), if any.
    next_contact: PlannedContact | None = None


@transaction.atomic(savepoint=False)
def record_antenatal_visit(
    *,
    reporter: Reporter,
    mother_identifier: str,
    visit_date: date,
    contact_number: int,
    symptoms: list[str],
    place: str = "",
    weight_kg: Decimal | None = None,
    muac_cm: Decimal | None = None,
    message: InboundMessage | None = None,
    today: date,
) -> VisitOutcome:
    """An antenatal contact (``ANC``): recorded, clears its reminder. One contact a day: a contact
    already recorded on that date is either this very report again (already received) or another
    one (refused); ANC 1 of a pregnancy registered at ANC 1 is its registration. The outcome names
    the next contact still to be reminded, read with the pregnancy."""
    pregnancy = pregnancy_for_report(
        reporter,
        mother_identifier,
        annotations={
            "latest_contact": _latest_contact(Visit.Kind.ANC),
            "contact_that_day": _contact_on(Visit.Kind.ANC, visit_date),
            **care_plan.next_promised(kind=Reminder.Kind.ANC, today=today, after=contact_number),
        },
    )
    _check_not_before_lmp(pregnancy, visit_date)
    identifier = pregnancy.mother.identifier
    if contact_number == 1 and pregnancy.registered_at_first_contact:
        raise Refusal(
            _("Already received: ANC 1 of %(id)s was her registration (PRE) on %(date)s.")
            % {"id": identifier, "date": f"{pregnancy.registered_on:%d.%m.%Y}"}
        )
    contact_that_day: int | None = _annotation(pregnancy, "contact_that_day")
    if (
        contact_that_day is None
        and pregnancy.registered_at_first_contact
        and visit_date == pregnancy.registered_on
    ):
        contact_that_day = 1
    if contact_that_day == contact_number:
        raise _already_received(Visit.Kind.ANC, contact_number, identifier, visit_date)
    if contact_that_day is not None:
        raise Refusal(
            _(
                "ANC %(number)s of %(id)s was already recorded on %(date)s: one contact a day. Nothing was recorded."
            )
            % {"number": contact_that_day, "id": identifier, "date": f"{visit_date:%d.%m.%Y}"}
        )
    outcome = _record_visit(
        pregnancy,
        kind=Visit.Kind.ANC,
        contact_number=contact_number,
        visit_date=visit_date,
        symptoms=symptoms,
        place=place,
        weight_kg=weight_kg,
        muac_cm=muac_cm,
        message=message,
    )
    next_sequence: int | None = _annotation(pregnancy, "next_promised_sequence")
    if next_sequence is None:
        return outcome
    due_date: date = _annotation(pregnancy, "next_promised_due_date")
    return dataclasses.replace(
        outcome, next_contact=PlannedContact(Reminder.Kind.ANC, next_sequence, due_date)
    )


@transaction.atomic(savepoint=False)
def record_postnatal_visit(
    *,
    reporter: Reporter,
    mother_identifier: str,
    visit_number: int,
    visit_date: date,
    symptoms: list[str],
    message: InboundMessage | None = None,
) -> VisitOutcome:
    """A postnatal contact (``PNC``) after a recorded birth."""
    pregnancy = pregnancy_for_report(
        reporter,
        mother_identifier,
        statuses=(Pregnancy.Status.DELIVERED,),
        annotations=_latest_visit(Visit.Kind.PNC),
    )
    if visit_date < pregnancy.birth.birth_date:
        raise Refusal(
            _("Date %(date)s is before the birth (%(birth)s); nothing was recorded.")
            % {"date": f"{visit_date:%d.%m.%Y}", "birth": f"{pregnancy.birth.birth_date:%d.%m.%Y}"}
        )
    latest_visit_date: date | None = _annotation(pregnancy, "latest_visit_date")
    if _annotation(pregnancy, "latest_contact") == visit_number and latest_visit_date == visit_date:
        raise _already_received(Visit.Kind.PNC, visit_number, pregnancy.mother.identifier, visit_date)
    return _record_visit(
        pregnancy,
        kind=Visit.Kind.PNC,
        contact_number=visit_number,
        visit_date=visit_date,
        symptoms=symptoms,
        message=message,
    )


def _already_received(kind: str, number: int, identifier: str, visit_date: date) -> Refusal:
    return Refusal(
        _("Already received: %(kind)s %(number)s of %(id)s on %(date)s.")
        % {"kind": kind.upper(), "number": number, "id": identifier, "date": f"{visit_date:%d.%m.%Y}"}
    )


# What a report checks about the pregnancy's earlier visits is read with the pregnancy, as
# correlated subqueries on ``maternal_pregnancy.id`` written in SQL: built as ORM subqueries, they
# cost more CPU to build and compile than everything else an ANC report does (docs/benchmarks.md).
_VISITS_OF_KIND = "FROM maternal_visit WHERE pregnancy_id = maternal_pregnancy.id AND kind = %s"


def _latest_contact(kind: str) -> RawSQL:
    """The number of the pregnancy's highest-numbered visit of ``kind`` (None: none yet)."""
    return RawSQL(f"SELECT MAX(contact_number) {_VISITS_OF_KIND}", (kind,), output_field=IntegerField())


def _contact_on(kind: str, visit_date: date) -> RawSQL:
    """The number of a visit of ``kind`` already recorded on ``visit_date`` (None: none)."""
    return RawSQL(
        f"SELECT MIN(contact_number) {_VISITS_OF_KIND} AND visit_date = %s",
        (kind, visit_date),
        output_field=IntegerField(),
    )


def _latest_visit(kind: str) -> dict[str, RawSQL]:
    """The number and date of the pregnancy's highest-numbered visit of ``kind``, as annotations."""
    return {
        "latest_contact": _latest_contact(kind),
        "latest_visit_date": RawSQL(
            f"SELECT visit_date {_VISITS_OF_KIND} ORDER BY contact_number DESC LIMIT 1",
            (kind,),
            output_field=DateField(),
        ),
    }


def _annotation(pregnancy: Pregnancy, name: str) -> Any:
    """An annotation read with the pregnancy (``pregnancy_for_report``'s ``annotations``): the
    model does not declare it, so the caller says its type."""
    return getattr(pregnancy, name)


def _record_visit(
    pregnancy: Pregnancy, *, kind: str, contact_number: int, visit_date: date, message, **fields
) -> VisitOutcome:
    """Record a visit of a pregnancy read with a ``latest_contact`` annotation (the number of its
    highest-numbered visit of ``kind``): a number not above it is recorded, and questioned."""
    latest_contact: int | None = _annotation(pregnancy, "latest_contact")
    visit = sql.insert(
        Visit(
            pregnancy=pregnancy,
            kind=kind,
            contact_number=contact_number,
            visit_date=visit_date,
            source_message=message,
            **{key: value for key, value in fields.items() if value is not None},
        )
    )
    care_plan.clear_visit(pregnancy, kind=kind, sequence=contact_number)
    audit(
        mother=pregnancy.mother,
        message=message,
        action=f"{kind}_visit",
        summary=f"{kind.upper()} {contact_number} on {visit_date:%d.%m.%Y}",
    )
    return VisitOutcome(
        visit=visit, out_of_order=latest_contact is not None and latest_contact >= contact_number
    )


@transaction.atomic(savepoint=False)
def report_risk(
    *,
    reporter: Reporter,
    mother_identifier: str,
    symptoms: list[str],
    location: str = "",
    message: InboundMessage | None = None,
) -> RiskReport:
    """A non-urgent risk (``RISK``): the pregnancy becomes high-risk; the health centre hears of it
    in its next daily digest."""
    pregnancy = pregnancy_for_report(reporter, mother_identifier)
    risk = RiskReport.objects.create(
        pregnancy=pregnancy, symptoms=symptoms, location=location, source_message=message
    )
    Pregnancy.objects.filter(pk=pregnancy.pk).update(high_risk=True)
    audit(mother=pregnancy.mother, message=message, action="risk", summary=f"risk: {' '.join(symptoms)}")
    return risk


# --- births, deaths, moves ---------------------------------------------------------------------


@dataclass(frozen=True)
class NewBaby:
    child_number: int
    sex: str
    weight_kg: Decimal | None = None
    signs: tuple[str, ...] = ()


@transaction.atomic(savepoint=False)
def record_birth(
    *,
    reporter: Reporter,
    mother_identifier: str,
    birth_date: date,
    place: str,
    babies: list[NewBaby],
    breastfeeding: str = "",
    today: date,
    message: InboundMessage | None = None,
) -> Birth:
    """``BIR``: records the baby or babies, closes the pregnancy and plans postnatal visits.
    A second message for twins (child 02) adds its baby to the birth already recorded."""
    pregnancy = pregnancy_for_report(
        reporter, mother_identifier, statuses=(Pregnancy.Status.ACTIVE, Pregnancy.Status.DELIVERED)
    )
    _check_not_before_lmp(pregnancy, birth_date)
    birth = Birth.objects.filter(pregnancy=pregnancy).first()
    if birth is None:
        weeks = pregnancy.gestational_age_weeks(birth_date)
        if weeks < settings.VIABILITY_WEEKS:
            raise Refusal(
                _(
                    "A birth at %(weeks)s weeks (before %(viable)s) is a pregnancy loss: send LOS %(id)s "
                    "[date] or DTH %(id)s mcc. Nothing was recorded."
                )
                % {"weeks": weeks, "viable": settings.VIABILITY_WEEKS, "id": pregnancy.mother.identifier}
            )
        if pregnancy.status != Pregnancy.Status.ACTIVE:
            raise Refusal(
                _("The pregnancy of %(id)s is closed; nothing was recorded.") % {"id": mother_identifier}
            )
        birth = Birth.objects.create(
            pregnancy=pregnancy,
            birth_date=birth_date,
            place=place,
            breastfeeding=breastfeeding,
            source_message=message,
        )
        pregnancy.status, pregnancy.closed_on = Pregnancy.Status.DELIVERED, birth_date
        pregnancy.save(update_fields=["status", "closed_on"])
        care_plan.plan_postnatal(pregnancy, birth_date=birth_date, today=today)
    recorded = set(birth.babies.values_list("child_number", flat=True))
    repeated = [baby.child_number for baby in babies if baby.child_number in recorded]
    if repeated:
        raise Refusal(
            _("Already received: child %(number)s of %(id)s.")
            % {"number": repeated[0], "id": mother_identifier}
        )
    Baby.objects.bulk_create(
        Baby(
            birth=birth,
            child_number=baby.child_number,
            sex=baby.sex,
            weight_kg=baby.weight_kg,
            signs=list(baby.signs),
            stillborn="sb" in baby.signs,
        )
        for baby in babies
    )
    audit(
        mother=pregnancy.mother,
        message=message,
        action="birth",
        summary=f"birth on {birth_date:%d.%m.%Y} at {place}: {len(babies)} baby(ies)",
    )
    return birth


@transaction.atomic(savepoint=False)
def record_death(
    *,
    reporter: Reporter,
    mother_identifier: str,
    kind: str,
    date_of_death: date,
    place: str = "",
    child_number: int | None = None,
    today: date | None = None,
    message: InboundMessage | None = None,
) -> Death:
    """``DTH`` (and ``LOS``): a maternal death, stillbirth, miscarriage, newborn or child death.
    A maternal death closes all her follow-up; a miscarriage closes the pregnancy. A stillbirth,
    newborn or child death closes only that baby's record: the mother's own postnatal contacts go
    on (a stillbirth reported before any birth is itself the birth, and starts them)."""
    Kind = Death.Kind
    allowed: dict[str, tuple[str, ...]] = {
        Kind.MISCARRIAGE: (Pregnancy.Status.ACTIVE,),
        Kind.MATERNAL: (Pregnancy.Status.ACTIVE, Pregnancy.Status.DELIVERED),
        Kind.STILLBIRTH: (Pregnancy.Status.ACTIVE, Pregnancy.Status.DELIVERED),
        Kind.NEWBORN: (Pregnancy.Status.DELIVERED,),
        Kind.CHILD: (Pregnancy.Status.DELIVERED,),
    }
    pregnancy = pregnancy_for_report(reporter, mother_identifier, statuses=allowed[kind])
    _check_not_before_lmp(pregnancy, date_of_death)
    about_a_baby = kind in (Kind.STILLBIRTH, Kind.NEWBORN, Kind.CHILD)
    child_number = child_number or 1
    earlier = pregnancy.deaths.filter(kind=kind)
    if (earlier.filter(baby__child_number=child_number) if about_a_baby else earlier).exists():
        raise Refusal(_("Already received: this death of %(id)s.") % {"id": mother_identifier})
    baby = (
        _baby_who_died(pregnancy, kind, child_number, date_of_death, place, message) if about_a_baby else None
    )
    death = Death.objects.create(
        pregnancy=pregnancy, baby=baby, kind=kind, date=date_of_death, place=place, source_message=message
    )
    if kind == Kind.MATERNAL:
        # A death after the birth keeps the pregnancy's end (the birth) as its closing date.
        pregnancy.status, pregnancy.closed_on = (
            Pregnancy.Status.MATERNAL_DEATH,
            pregnancy.closed_on or date_of_death,
        )
        pregnancy.save(update_fields=["status", "closed_on"])
        care_plan.cancel_remaining(pregnancy)
    elif kind == Kind.MISCARRIAGE:
        pregnancy.status, pregnancy.closed_on = Pregnancy.Status.LOST, date_of_death
        pregnancy.save(update_fields=["status", "closed_on"])
        care_plan.cancel_remaining(pregnancy)
    elif kind == Kind.STILLBIRTH and pregnancy.status == Pregnancy.Status.ACTIVE:
        pregnancy.status, pregnancy.closed_on = Pregnancy.Status.DELIVERED, date_of_death
        pregnancy.save(update_fields=["status", "closed_on"])
        care_plan.plan_postnatal(pregnancy, birth_date=date_of_death, today=today or timezone.localdate())
    audit(
        mother=pregnancy.mother,
        message=message,
        action=f"death_{kind}",
        summary=f"{Death.Kind(kind).label} on {date_of_death:%d.%m.%Y}",
    )
    return death


def _baby_who_died(
    pregnancy: Pregnancy, kind: str, child_number: int, date_of_death: date, place: str, message
) -> Baby | None:
    """The baby a stillbirth, newborn or child death is about. A stillbirth before any birth was
    reported is itself the birth (of a stillborn baby)."""
    birth: Birth | None = getattr(pregnancy, "birth", None)
    identifier = pregnancy.mother.identifier
    if kind == Death.Kind.STILLBIRTH and birth is None:
        weeks = pregnancy.gestational_age_weeks(date_of_death)
        if weeks < settings.VIABILITY_WEEKS:
            raise Refusal(
                _(
                    "A stillbirth at %(weeks)s weeks (before %(viable)s) is a miscarriage: send DTH %(id)s "
                    "mcc or LOS %(id)s. Nothing was recorded."
                )
                % {"weeks": weeks, "viable": settings.VIABILITY_WEEKS, "id": identifier}
            )
        birth = Birth.objects.create(
            pregnancy=pregnancy, birth_date=date_of_death, place=place, source_message=message
        )
        return Baby.objects.create(birth=birth, child_number=child_number, sex="", stillborn=True)
    baby = birth.babies.filter(child_number=child_number).first() if birth else None
    if birth is None or baby is None:
        if kind == Death.Kind.STILLBIRTH:
            return None
        raise Refusal(
            _("No child %(number)s recorded for %(id)s.") % {"number": child_number, "id": identifier}
        )
    if baby.stillborn or baby.died_on:
        raise Refusal(
            _("Child %(number)s of %(id)s is already recorded as dead; nothing was recorded.")
            % {"number": child_number, "id": identifier}
        )
    if kind == Death.Kind.STILLBIRTH:
        Baby.objects.filter(pk=baby.pk).update(stillborn=True)
        return baby
    _check_age_at_death(baby, kind, (date_of_death - birth.birth_date).days, identifier)
    Baby.objects.filter(pk=baby.pk).update(died_on=date_of_death)
    return baby


def _check_age_at_death(baby: Baby, kind: str, days: int, identifier: str) -> None:
    """``nd`` is a death in the first NEONATAL_DAYS days of life, ``cd`` one after them."""
    facts = {"number": baby.child_number, "id": identifier, "days": days, "limit": settings.NEONATAL_DAYS}
    if days < 0:
        raise Refusal(_("Child %(number)s of %(id)s was born after that date; nothing was recorded.") % facts)
    if kind == Death.Kind.NEWBORN and days > settings.NEONATAL_DAYS:
        raise Refusal(
            _(
                "Child %(number)s of %(id)s was %(days)s days old: a death after %(limit)s days is a child "
                "death, send DTH %(id)s cd. Nothing was recorded."
            )
            % facts
        )
    if kind == Death.Kind.CHILD and days <= settings.NEONATAL_DAYS:
        raise Refusal(
            _(
                "Child %(number)s of %(id)s was %(days)s days old: a death in the first %(limit)s days is a "
                "newborn death, send DTH %(id)s nd. Nothing was recorded."
            )
            % facts
        )


def volunteer_for_village(village: Location) -> Reporter | None:
    """The volunteer who follows the mothers of a village: its first active volunteer, else the
    first active volunteer of the health centre that serves its cell. Reminders go to this person
    (``Pregnancy.reporter``), and the mother belongs to this person's facility."""
    active = Reporter.objects.filter(status=Reporter.Status.ACTIVE).select_related("facility")
    return (
        active.filter(village=village).order_by("pk").first()
        or active.filter(facility__served_cells=village.parent_id, facility__kind=Facility.Kind.HEALTH_CENTRE)
        .order_by("pk")
        .first()
    )


@transaction.atomic(savepoint=False)
def record_departure(
    *,
    reporter: Reporter,
    mother_identifier: str,
    new_village_code: str | None,
    today: date | None = None,
    message: InboundMessage | None = None,
) -> Pregnancy:
    """``DEP``: the mother moved away (ends her follow-up) or to another village: a transfer. A
    transferred mother's follow-up goes on with the new village's volunteer and facility at once:
    her reminders, her risk notices and the catchment checks follow them."""
    today = today or timezone.localdate()
    pregnancy = pregnancy_for_report(
        reporter, mother_identifier, statuses=(Pregnancy.Status.ACTIVE, Pregnancy.Status.DELIVERED)
    )
    if lifecycle.stage(pregnancy, today=today) in lifecycle.CLOSED:
        raise Refusal(
            _("The follow-up of %(id)s is over; nothing was recorded.") % {"id": pregnancy.mother.identifier}
        )
    mother = pregnancy.mother
    if not new_village_code:
        # A move after the birth keeps the pregnancy's end (the birth) as its closing date.
        pregnancy.status, pregnancy.closed_on = Pregnancy.Status.MOVED, pregnancy.closed_on or today
        pregnancy.save(update_fields=["status", "closed_on"])
        care_plan.cancel_remaining(pregnancy)
        audit(mother=mother, message=message, action="moved_away", summary="moved away")
        return pregnancy
    village = Location.objects.filter(code=new_village_code, level=Location.Level.VILLAGE).first()
    if village is None:
        raise Refusal(_("No village has code %(code)s.") % {"code": new_village_code})
    volunteer = volunteer_for_village(village)
    if volunteer is None:
        raise Refusal(
            _(
                "No volunteer follows village %(village)s yet; nothing was changed. "
                "If she left the area, send DEP %(id)s alone."
            )
            % {"village": village.name, "id": mother.identifier}
        )
    previous = pregnancy.reporter
    mother.village, mother.facility = village, volunteer.facility
    mother.save(update_fields=["village", "facility"])
    pregnancy.village, pregnancy.facility, pregnancy.reporter = village, volunteer.facility, volunteer
    pregnancy.save(update_fields=["village", "facility", "reporter"])
    if volunteer.pk not in (previous.pk, reporter.pk):
        with translation.override(volunteer.language):
            text = _("Mother %(id)s has moved to %(village)s: her follow-up and reminders are now yours.") % {
                "id": mother.identifier,
                "village": village.name,
            }
        send_sms(phone=str(volunteer.phone), text=text, kind=OutgoingMessage.Kind.NOTICE)
    audit(
        mother=mother,
        message=message,
        action="transferred",
        summary=f"moved to village {village.code} ({volunteer.facility}), volunteer {volunteer.phone}",
    )
    return pregnancy
