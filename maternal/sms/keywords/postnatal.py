"""PNC: a postnatal contact after a recorded birth.

> PNC 1199870012345678 1 27.11.2026
< PNC 1 of 1199870012345678 recorded (27.11.2026).
"""

from django.utils.translation import gettext as _

from maternal import services
from maternal.sms.conversation import Context, reply_to
from maternal.sms.grammar import PncReport
from maternal.sms.replies import date_text


@reply_to(PncReport)
def postnatal_visit(context: Context, command: PncReport) -> str:
    visit_date = command.visit_date or context.today
    outcome = services.record_postnatal_visit(
        reporter=context.reporter,
        mother_identifier=command.mother_id.value,
        visit_number=command.visit_number,
        visit_date=visit_date,
        symptoms=list(command.symptoms),
        message=context.message,
    )
    reply = _("PNC %(number)s of %(id)s recorded (%(date)s).") % {
        "number": command.visit_number,
        "id": outcome.visit.pregnancy.mother.identifier,
        "date": date_text(visit_date),
    }
    if outcome.out_of_order:
        reply += " " + _("Check the visit number: a later one was already reported.")
    return reply
