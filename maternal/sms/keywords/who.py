"""WHO: who the system thinks the sender is.

> WHO
< You are Uwase Marie, volunteer (active) of Muhoza health centre, village Gihanga. Language: EN.
(from a staff phone)
> WHO
< You are Mukamana Alice, midwife at Muhoza health centre, on duty since 26.11.2026 07:58. Language: EN.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from maternal.models import Staff
from maternal.sms.conversation import Context, Senders, reply_to
from maternal.sms.grammar import WhoAmI
from maternal.sms.replies import not_registered_reply, staff_place


@reply_to(WhoAmI, senders=Senders.ANYONE)
def who(context: Context, command: WhoAmI) -> str:
    reporter, staff = context.sender.reporter, context.sender.staff
    if reporter:
        return _(
            "You are %(name)s, volunteer (%(status)s) of %(facility)s, village %(village)s. Language: %(language)s."
        ) % {
            "name": reporter.name or reporter.phone,
            "status": reporter.get_status_display(),
            "facility": reporter.facility.name,
            "village": reporter.village.name,
            "language": reporter.language.upper(),
        }
    if staff:
        return _("You are %(name)s, %(role)s at %(place)s, %(duty)s. Language: %(language)s.") % {
            "name": staff.name,
            "role": staff.get_role_display(),
            "place": staff_place(staff),
            "duty": duty_state(staff),
            "language": staff.language.upper(),
        }
    return not_registered_reply()


def duty_state(staff: Staff) -> str:
    """On or off duty, and since when if it is known (changes are recorded since ON/OFF exist)."""
    if staff.on_duty_since is None:
        return _("on duty") if staff.on_duty else _("off duty")
    since = {"since": f"{timezone.localtime(staff.on_duty_since):%d.%m.%Y %H:%M}"}
    return (_("on duty since %(since)s") if staff.on_duty else _("off duty since %(since)s")) % since
