"""WHO: who the system thinks the sender is.

> WHO
< You are Uwase Marie, volunteer (active) of Muhoza health centre, village Gihanga. Language: EN.
"""

from django.utils.translation import gettext as _

from maternal.sms.handlers.base import KeywordHandler
from maternal.sms.replies import not_registered_reply


class WhoHandler(KeywordHandler):
    keywords = ("WHO",)
    volunteers_only = False

    def reply_to(self, command) -> str:
        reporter, staff = self.sender.reporter, self.sender.staff
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
            return _("You are %(name)s, %(role)s at %(place)s. Language: %(language)s.") % {
                "name": staff.name,
                "role": staff.get_role_display(),
                "place": staff.facility.name if staff.facility else staff.district,
                "language": staff.language.upper(),
            }
        return not_registered_reply()
