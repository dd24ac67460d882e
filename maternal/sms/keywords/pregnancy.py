"""PRE: register a pregnancy (short form, or the national long form sent from ANC 1).

> PRE 1199870012345678 01.09.2026 3 2 nr np
< Pregnancy of 1199870012345678 registered. EDD 08.06.2027, 12 weeks. Next visit: ANC 2 on 19.01.2027.
> PRE NEW 01.09.2026 1 0 gs
< Pregnancy of T4821 registered (use this ID from now on). EDD 08.06.2027, 12 weeks. High risk. Next visit: ANC 2 on 19.01.2027.
> PRE 1199870012345679 01.09.2026 10.12.2026 2 1 nr np hc wt55 ht160 to hw
< Pregnancy of 1199870012345679 registered. EDD 08.06.2027, 12 weeks. Filed as ANC 1. Next visit: ANC 2 on 10.12.2026.
"""

from django.utils.translation import gettext as _

from maternal import services
from maternal.care_plan import promised_among
from maternal.models import Reminder
from maternal.sms.conversation import Context, reply_to
from maternal.sms.grammar import PregnancyReport
from maternal.sms.replies import date_text


@reply_to(PregnancyReport)
def pregnancy(context: Context, command: PregnancyReport) -> str:
    mother_id = command.mother_id
    registration = services.register_pregnancy(
        reporter=context.reporter,
        mother_id_kind=mother_id.kind,
        mother_identifier=None if mother_id.kind == "new" else mother_id.value,
        last_menstrual_period=command.last_menstrual_period,
        gravidity=command.gravidity,
        parity=command.parity,
        previous_risks=list(command.previous_risks),
        symptoms=list(command.symptoms),
        mother_phone=command.mother_phone or "",
        measurements=services.Measurements(
            weight_kg=command.mother_weight_kg,
            height_cm=command.height_cm,
            muac_cm=command.muac_cm,
            has_toilet=command.has_toilet,
            has_handwashing=command.has_handwashing,
        ),
        next_visit_date=command.next_visit_date,
        today=context.today,
        message=context.message,
    )
    pregnancy = registration.pregnancy
    facts = {
        "id": pregnancy.mother.identifier,
        "edd": date_text(pregnancy.expected_delivery_date),
        "weeks": pregnancy.gestational_age_weeks(context.today),
    }
    if mother_id.kind == "new":
        parts = [
            _("Pregnancy of %(id)s registered (use this ID from now on). EDD %(edd)s, %(weeks)s weeks.")
            % facts
        ]
    else:
        parts = [_("Pregnancy of %(id)s registered. EDD %(edd)s, %(weeks)s weeks.") % facts]
    if pregnancy.is_post_term(context.today):
        parts.append(_("Post-term, high risk: refer her to the health centre now, or check the LMP."))
    elif pregnancy.high_risk:
        parts.append(_("High risk."))
    if pregnancy.registered_at_first_contact:
        parts.append(_("Filed as ANC 1."))
    upcoming = promised_among(registration.planned, kind=Reminder.Kind.ANC, today=context.today)[:1]
    for reminder in upcoming:
        parts.append(
            _("Next visit: ANC %(number)s on %(date)s.")
            % {"number": reminder.sequence, "date": date_text(reminder.due_date)}
        )
    return " ".join(parts)
