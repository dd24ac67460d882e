"""BIR: a birth (one or several babies); closes the pregnancy, plans postnatal visits.

> BIR 1199870012345678 25.11.2026 hc gi 3.2
< Birth of 1 baby to 1199870012345678 recorded (25.11.2026, health centre). Postnatal visits: 26.11, 28.11, 02.12, 06.01.
"""

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from maternal import codes, services
from maternal.care_plan import promised
from maternal.models import Reminder
from maternal.sms.conversation import Context, reply_to
from maternal.sms.grammar import BirthReport
from maternal.sms.replies import date_text


@reply_to(BirthReport)
def birth(context: Context, command: BirthReport) -> str:
    birth = services.record_birth(
        reporter=context.reporter,
        mother_identifier=command.mother_id.value,
        birth_date=command.birth_date,
        place=command.place,
        babies=[
            services.NewBaby(baby.child_number, baby.sex, baby.weight_kg, tuple(baby.signs))
            for baby in command.babies
        ],
        breastfeeding=command.breastfeeding or "",
        today=context.today,
        message=context.message,
    )
    count = len(command.babies)
    reply = ngettext(
        "Birth of %(count)s baby to %(id)s recorded (%(date)s, %(place)s).",
        "Birth of %(count)s babies to %(id)s recorded (%(date)s, %(place)s).",
        count,
    ) % {
        "count": count,
        "id": command.mother_id.value,
        "date": date_text(command.birth_date),
        "place": codes.label(command.place, "place", get_language()),
    }
    visits = [
        f"{reminder.due_date:%d.%m}"
        for reminder in promised(birth.pregnancy, kind=Reminder.Kind.PNC, today=context.today)
    ]
    if visits:
        reply += " " + _("Postnatal visits: %(dates)s.") % {"dates": ", ".join(visits)}
    return reply
