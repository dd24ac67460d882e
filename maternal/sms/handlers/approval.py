"""YES <n>: staff of a facility approve a volunteer's registration.

> YES 7
< Volunteer +250788123456 (registration 7) is now active.
"""

from django.utils.translation import gettext as _

from maternal import services
from maternal.sms.grammar import Approval
from maternal.sms.handlers.base import KeywordHandler


class ApprovalHandler(KeywordHandler):
    keywords = ("YES",)
    volunteers_only = False

    def compose_reply(self) -> str:
        if self.sender.staff is None:
            return _("Only health-centre staff can approve volunteers.")
        return super().compose_reply()

    def reply_to(self, command: Approval) -> str:
        reporter = services.approve_reporter(
            registration_number=command.registration_number, staff=self.sender.staff, message=self.inbound
        )
        return _("Volunteer %(phone)s (registration %(number)s) is now active.") % {
            "phone": reporter.phone,
            "number": reporter.pk,
        }
