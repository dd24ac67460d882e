"""ANC: an antenatal contact.

> ANC 1199870012345678 26.11.2026 2
< ANC 2 of 1199870012345678 recorded (26.11.2026). Next contact: ANC 3 on 14.01.2027.
"""

from django.utils.translation import gettext as _

from maternal import services
from maternal.sms.conversation import Context, reply_to
from maternal.sms.grammar import AncReport
from maternal.sms.replies import date_text


@reply_to(AncReport)
def antenatal_visit(context: Context, command: AncReport) -> str:
    outcome = services.record_antenatal_visit(
        reporter=context.reporter,
        mother_identifier=command.mother_id.value,
        visit_date=command.visit_date,
        contact_number=command.contact_number,
        symptoms=list(command.symptoms),
        place=command.place or "",
        weight_kg=command.mother_weight_kg,
        muac_cm=command.muac_cm,
        message=context.message,
        today=context.today,
    )
    pregnancy = outcome.visit.pregnancy
    parts = [
        _("ANC %(number)s of %(id)s recorded (%(date)s).")
        % {
            "number": command.contact_number,
            "id": pregnancy.mother.identifier,
            "date": date_text(command.visit_date),
        }
    ]
    if outcome.out_of_order:
        parts.append(_("Check the contact number: a later one was already reported."))
    if next_contact := outcome.next_contact:
        parts.append(
            _("Next contact: ANC %(number)s on %(date)s.")
            % {"number": next_contact.sequence, "date": date_text(next_contact.due_date)}
        )
    return " ".join(parts)
