"""DEP: the mother moved away (ends her follow-up) or to another village (transfer).

> DEP 1199870012345678
< 1199870012345678 recorded as moved away. Her reminders are stopped.
> DEP 1199870012345678 101010203
< 1199870012345678 transferred to Gihanga village (Muhoza Health Centre). Her reminders now go to Uwase Marie +250788100002.
"""

from django.utils.translation import gettext as _

from maternal import services
from maternal.sms.conversation import Context, reply_to
from maternal.sms.grammar import DepartureReport


@reply_to(DepartureReport)
def departure(context: Context, command: DepartureReport) -> str:
    pregnancy = services.record_departure(
        reporter=context.reporter,
        mother_identifier=command.mother_id.value,
        new_village_code=command.new_village_code,
        today=context.today,
        message=context.message,
    )
    if command.new_village_code:
        volunteer = pregnancy.reporter
        return " ".join(
            [
                _("%(id)s transferred to %(village)s village (%(facility)s).")
                % {
                    "id": command.mother_id.value,
                    "village": pregnancy.village.name,
                    "facility": pregnancy.facility.name,
                },
                _("Her reminders now go to %(name)s %(phone)s.")
                % {"name": volunteer.name, "phone": volunteer.phone},
            ]
        )
    return _("%(id)s recorded as moved away. Her reminders are stopped.") % {"id": command.mother_id.value}
