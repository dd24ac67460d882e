"""DTH and LOS: deaths and pregnancy losses.

> DTH 1199870012345678 nd 27.11.2026
< Newborn death of child 1 of 1199870012345678 recorded (27.11.2026). We are sorry.
> LOS 1199870012345678
< Pregnancy loss of 1199870012345678 recorded (26.11.2026). Her reminders are stopped.
"""

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from maternal import services
from maternal.models import Death
from maternal.sms import codes
from maternal.sms.grammar import DeathReport, LossReport
from maternal.sms.handlers.base import KeywordHandler
from maternal.sms.replies import date_text


class DeathHandler(KeywordHandler):
    keywords = ("DTH", "LOS")

    def reply_to(self, command: DeathReport | LossReport) -> str:
        kind = command.death if isinstance(command, DeathReport) else Death.Kind.MISCARRIAGE
        when = (
            command.date or (command.birth_date if isinstance(command, DeathReport) else None) or self.today
        )
        services.record_death(
            reporter=self.sender.reporter,
            mother_identifier=command.mother_id.value,
            kind=kind,
            date_of_death=when,
            place=getattr(command, "place", None) or "",
            child_number=getattr(command, "child_number", None),
            message=self.inbound,
        )
        return _("%(what)s of %(id)s recorded (%(date)s). Her pending reminders are updated.") % {
            "what": codes.label(kind, "death", get_language()),
            "id": command.mother_id.value,
            "date": date_text(when),
        }
