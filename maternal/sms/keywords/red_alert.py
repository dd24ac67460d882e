"""RED: an emergency. Always raised, whoever sends it, and escalated at once. A RED for a mother
whose alert is still open joins that alert instead of starting a second ladder. The reply always
fits one SMS; a problem in a RED that was raised is a note in it, never "not recorded".

> RED 1199870012345678 he co ho
< Alert 12 raised. Alerted: Mukamana Alice, Uwera Grace (Muhoza HC). Ambulance: 912.
> RED 1199870012345678 he sbp
< Alert 12 is already open: new signs sent to Mukamana Alice +250788100002. Ambulance: 912.
> RED 119987001234567 he
< Alert 13 raised. Alerted: Mukamana Alice (Muhoza HC). Ambulance: 912. Note: ID: must have 16 digits.
(from an unknown phone)
< Alert 14 sent to the national duty team. Call the ambulance now: 912.
"""

from django.utils.translation import gettext as _

from maternal import alerts, services
from maternal.sms.conversation import Context, Senders, reply_to
from maternal.sms.errors import ParseError
from maternal.sms.grammar import RedAlert, tokenize
from maternal.sms.replies import error_details, error_reply, fit_with_note

#: Names longer than this in a reply are replaced by their count, so that the reply fits one SMS.
MAX_NAMES_LENGTH = 60


def red_with_errors(context: Context, error: ParseError) -> str:
    """A RED that does not parse is still raised when its danger signs were read: a mistyped ID
    must not stop an emergency. The alert carries the ID as typed; the mistake is a note."""
    signs: tuple[str, ...] | None = error.partial.get("danger_signs")
    if not signs:
        raise services.Refusal(error_reply(error))
    tokens = tokenize(context.text)
    identifier = tokens[1].upper()[:16] if len(tokens) > 1 else ""
    location: str | None = error.partial.get("location")
    raised = _raise(context, identifier, list(signs), location or "")
    return fit_with_note(confirmation(raised), _("Note: %(details)s") % {"details": error_details(error)})


@reply_to(RedAlert, senders=Senders.ANYONE, on_parse_error=red_with_errors)
def red_alert(context: Context, command: RedAlert) -> str:
    raised = _raise(context, command.mother_id.value, list(command.danger_signs), command.location or "")
    note = ""
    if command.unknown_codes:
        note = _("Unknown codes: %(codes)s. HELP RED lists the signs.") % {
            "codes": " ".join(command.unknown_codes)
        }
    return fit_with_note(confirmation(raised), note)


def _raise(context: Context, identifier: str, signs: list[str], location: str) -> alerts.RaisedAlert:
    return alerts.raise_alert(
        sender_phone=context.sender.phone,
        reporter=context.sender.reporter,
        mother_identifier=identifier,
        danger_signs=signs,
        location=location,
        message=context.message,
    )


def confirmation(raised: alerts.RaisedAlert) -> str:
    alert = raised.alert
    values = {"number": alert.pk, "ambulance": alerts.ambulance_number(alert)}
    if not raised.new:
        if raised.new_signs:
            text = _(
                "Alert %(number)s is already open: new signs sent to %(names)s. Ambulance: %(ambulance)s."
            )
        else:
            text = _("Alert %(number)s is already open; %(names)s has it. Ambulance: %(ambulance)s.")
        return text % {**values, "names": names_and_phones(raised.told)}
    facility = alert.facility
    if facility is None:  # no facility's ladder: it climbs the national contacts' (always national)
        return (
            _("Alert %(number)s sent to the national duty team. Call the ambulance now: %(ambulance)s.")
            % values
        )
    if raised.national:
        return _(
            "Alert %(number)s: nobody on duty at %(facility)s; national duty team alerted. Call the ambulance now: %(ambulance)s."
        ) % {**values, "facility": facility.name}
    return _("Alert %(number)s raised. Alerted: %(names)s (%(facility)s). Ambulance: %(ambulance)s.") % {
        **values,
        "names": names(raised.told),
        "facility": facility.name,
    }


def names(people: list[alerts.Recipient]) -> str:
    listed = ", ".join(person.name for person in people)
    return listed if len(listed) <= MAX_NAMES_LENGTH else _("%(count)s staff") % {"count": len(people)}


def names_and_phones(people: list[alerts.Recipient]) -> str:
    listed = ", ".join(
        f"{person.name} {person.phone}" if person.name != person.phone else person.phone for person in people
    )
    return listed if len(listed) <= MAX_NAMES_LENGTH else names(people)
