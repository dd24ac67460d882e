"""RAR: the outcome of a red alert; closes it. From an active volunteer, or from the phone that
raised the alert (a volunteer still waiting for approval is reminded to send it, too).

> RAR 1199870012345678 mw cw pr at
< Alert 12 closed: mother well, child well.
"""

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from maternal import alerts, codes
from maternal.sms.conversation import Context, Senders, reply_to
from maternal.sms.grammar import AlertResult


@reply_to(AlertResult, senders=Senders.ANYONE)
def alert_result(context: Context, command: AlertResult) -> str:
    alert = alerts.close_alert(
        reporter=context.sender.reporter,
        sender_phone=context.sender.phone,
        mother_identifier=command.mother_id.value,
        statuses=list(command.statuses),
        intervention=command.intervention or "",
        ambulance=command.ambulance or "",
        message=context.message,
    )
    outcome = ", ".join(codes.label(code, "status", get_language()) for code in command.statuses)
    return _("Alert %(number)s closed: %(outcome)s.") % {"number": alert.pk, "outcome": outcome}
