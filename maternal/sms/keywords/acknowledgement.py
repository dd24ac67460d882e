"""OK <n>: a staff member acknowledges a red alert; the ladder stops, the volunteer is told.

> OK 12
< Thank you. Alert 12 is yours: mother 1199870012345678, CHW Uwase Marie +250788100001.
"""

from django.utils.translation import gettext as _

from maternal import alerts
from maternal.sms.conversation import Context, Senders, reply_to
from maternal.sms.grammar import Acknowledgement


@reply_to(
    Acknowledgement,
    senders=Senders.STAFF,
    not_staff=lambda sender: _("Only health staff can acknowledge alerts."),
)
def acknowledgement(context: Context, command: Acknowledgement) -> str:
    result = alerts.acknowledge_alert(
        staff=context.staff, alert_number=command.alert_number, message=context.message
    )
    alert = result.alert
    if not result.first:
        return _("Alert %(number)s was already acknowledged by %(name)s.") % {
            "number": alert.pk,
            "name": alert.acknowledged_by.name if alert.acknowledged_by else "?",
        }
    reporter = alert.reporter
    return _("Thank you. Alert %(number)s is yours: mother %(mother)s, CHW %(name)s %(phone)s.") % {
        "number": alert.pk,
        "mother": alert.mother_identifier or "?",
        "name": reporter.name if reporter else "",
        "phone": alert.sender_phone,
    }
