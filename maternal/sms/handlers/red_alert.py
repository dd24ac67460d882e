"""RED: an emergency. Always raised, whoever sends it, and escalated at once (SPEC 4).

> RED 1199870012345678 he co ho
< Alert 12 raised. Alerted: Mukamana Alice, Uwera Grace (Muhoza HC). Ambulance: 912.
> RED 1199870012345678 he xx
< Alert 13 raised. ... Unknown codes: xx. Danger signs: ap co he la mc pa ps sc sl un shb ...
(from an unknown phone)
< Alert 14 sent to the national duty team. Call the ambulance now: 912.
"""

import logging

from django.utils.translation import gettext as _

from maternal import services
from maternal.models import Alert
from maternal.sms import codes
from maternal.sms.errors import ParseError
from maternal.sms.grammar import parse, tokenize
from maternal.sms.handlers.base import KeywordHandler
from maternal.sms.replies import error_reply, system_error_reply
from reminders.escalation import ambulance_number, recipients

logger = logging.getLogger(__name__)
VALID_SIGNS = " ".join(code.code for group in codes.DANGER_SIGN_GROUPS for code in codes.codes_in(group))


class RedAlertHandler(KeywordHandler):
    keywords = ("RED",)
    volunteers_only = False

    def compose_reply(self) -> str:
        try:
            command = parse(self.msg.text, today=self.today)
        except ParseError as error:
            signs = error.partial.get("danger_signs")
            if not signs:
                return error_reply(error)
            # A mistyped ID must not stop an emergency: raise it with the ID as typed.
            tokens = tokenize(self.msg.text)
            identifier = tokens[1].upper()[:16] if len(tokens) > 1 else ""
            alert = self.raise_alert(identifier, list(signs), error.partial.get("location") or "")
            return f"{self.confirmation(alert)} {error_reply(error)}"[:320] if alert else system_error_reply()
        alert = self.raise_alert(command.mother_id.value, list(command.danger_signs), command.location or "")
        if alert is None:
            return system_error_reply()
        reply = self.confirmation(alert)
        if command.unknown_codes:
            reply += " " + _("Unknown codes: %(codes)s. Danger signs: %(valid)s") % {
                "codes": " ".join(command.unknown_codes),
                "valid": VALID_SIGNS,
            }
        return reply

    def raise_alert(self, identifier: str, signs: list[str], location: str) -> Alert | None:
        try:
            alert = services.raise_alert(
                sender_phone=self.sender.phone,
                reporter=self.sender.reporter,
                mother_identifier=identifier,
                danger_signs=signs,
                location=location,
                message=self.inbound,
            )
        except Exception:
            logger.exception("Raising a red alert failed")
            self.msg.fields["failed"] = True
            return None
        self.msg.fields["accepted_keyword"] = "RED"
        return alert

    def confirmation(self, alert: Alert) -> str:
        ambulance = ambulance_number(alert)
        if alert.facility is None:
            return _(
                "Alert %(number)s sent to the national duty team. Call the ambulance now: %(ambulance)s."
            ) % {
                "number": alert.pk,
                "ambulance": ambulance,
            }
        alerted = recipients(alert, 1)
        names = ", ".join(person.name for person in alerted) or _("the hospital on-call team")
        return _("Alert %(number)s raised. Alerted: %(names)s (%(facility)s). Ambulance: %(ambulance)s.") % {
            "number": alert.pk,
            "names": names,
            "facility": alert.facility.name,
            "ambulance": ambulance,
        }
