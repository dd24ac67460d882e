"""RISK: a non-urgent risk; the health centre hears of it in its next digest.

> RISK 1199870012345678 oe fe
< Risk recorded for 1199870012345678: oedema, fever. The pregnancy is now high-risk; the health centre will be told.
"""

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from maternal import codes, services
from maternal.sms.conversation import Context, reply_to
from maternal.sms.grammar import RiskReport as RiskCommand


@reply_to(RiskCommand)
def risk(context: Context, command: RiskCommand) -> str:
    services.report_risk(
        reporter=context.reporter,
        mother_identifier=command.mother_id.value,
        symptoms=list(command.symptoms),
        location=command.location or "",
        message=context.message,
    )
    words = ", ".join(codes.label(code, "symptom", get_language()) for code in command.symptoms)
    return _(
        "Risk recorded for %(id)s: %(symptoms)s. The pregnancy is now high-risk; the health centre will be told."
    ) % {
        "id": command.mother_id.value,
        "symptoms": words,
    }
