"""REG: a volunteer asks to join; staff of the facility approve with YES <n>.

> REG 1198570012345678 101 101010102 EN
< Thank you. Registration 7 is waiting for approval by Muhoza health centre.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from maternal import services
from maternal.sms.conversation import Context, Senders, reply_to
from maternal.sms.grammar import Registration


@reply_to(Registration, senders=Senders.ANYONE)
def registration(context: Context, command: Registration) -> str:
    reporter = services.register_reporter(
        phone=context.sender.phone,
        national_id=command.national_id,
        facility_code=command.facility_code,
        village_code=command.village_code,
        language=command.language,
        message=context.message,
    )
    with translation.override(reporter.language):
        return _("Thank you. Registration %(number)s is waiting for approval by %(facility)s.") % {
            "number": reporter.pk,
            "facility": reporter.facility.name,
        }
