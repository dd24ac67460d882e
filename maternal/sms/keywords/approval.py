"""YES <n>: staff of a facility approve a volunteer's registration.

> YES 7
< Volunteer +250788123456 (registration 7) is now active.
"""

from django.utils.translation import gettext as _

from maternal import services
from maternal.sms.conversation import Context, Senders, reply_to
from maternal.sms.grammar import Approval


@reply_to(
    Approval,
    senders=Senders.STAFF,
    not_staff=lambda sender: _("Only health-centre staff can approve volunteers."),
)
def approval(context: Context, command: Approval) -> str:
    reporter = services.approve_reporter(
        registration_number=command.registration_number, staff=context.staff, message=context.message
    )
    return _("Volunteer %(phone)s (registration %(number)s) is now active.") % {
        "phone": reporter.phone,
        "number": reporter.pk,
    }
