"""DTH and LOS: deaths and pregnancy losses.

> DTH 1199870012345678 nd 27.11.2026
< Newborn death of child 1 of 1199870012345678 recorded (27.11.2026). We are sorry. The mother's postnatal visits go on: 28.11, 02.12, 06.01.
> LOS 1199870012345678
< Pregnancy loss of 1199870012345678 recorded (26.11.2026). Her pregnancy is closed and its reminders are cancelled.
"""

from django.utils.translation import gettext as _

from maternal import services
from maternal.care_plan import promised
from maternal.models import Death, Reminder
from maternal.sms.conversation import Context, reply_to
from maternal.sms.grammar import DeathReport, LossReport
from maternal.sms.replies import date_text


@reply_to(DeathReport, LossReport)
def death(context: Context, command: DeathReport | LossReport) -> str:
    kind = command.death if isinstance(command, DeathReport) else Death.Kind.MISCARRIAGE
    # The long form's date is the child's birth date, not the day of the death: that is today.
    when = command.date or context.today
    death = services.record_death(
        reporter=context.reporter,
        mother_identifier=command.mother_id.value,
        kind=kind,
        date_of_death=when,
        place=getattr(command, "place", None) or "",
        child_number=getattr(command, "child_number", None),
        today=context.today,
        message=context.message,
    )
    facts = {
        "id": command.mother_id.value,
        "date": date_text(when),
        "child": death.baby.child_number if death.baby else getattr(command, "child_number", None) or 1,
    }
    if kind == Death.Kind.MATERNAL:
        return " ".join(
            [
                _("Maternal death of %(id)s recorded (%(date)s). We are sorry.") % facts,
                _("All her follow-up is closed and her reminders are cancelled."),
            ]
        )
    if kind == Death.Kind.MISCARRIAGE:
        return " ".join(
            [
                _("Pregnancy loss of %(id)s recorded (%(date)s).") % facts,
                _("Her pregnancy is closed and its reminders are cancelled."),
            ]
        )
    about_a_child: dict[str, str] = {
        Death.Kind.STILLBIRTH: _(
            "Stillbirth of child %(child)s of %(id)s recorded (%(date)s). We are sorry."
        ),
        Death.Kind.NEWBORN: _(
            "Newborn death of child %(child)s of %(id)s recorded (%(date)s). We are sorry."
        ),
        Death.Kind.CHILD: _("Child death of child %(child)s of %(id)s recorded (%(date)s). We are sorry."),
    }
    recorded = about_a_child[kind] % facts
    visits = promised(death.pregnancy, kind=Reminder.Kind.PNC, today=context.today)
    if not visits:
        return recorded
    dates = ", ".join(f"{reminder.due_date:%d.%m}" for reminder in visits)
    return f"{recorded} " + _("The mother's postnatal visits go on: %(dates)s.") % {"dates": dates}
