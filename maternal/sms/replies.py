"""Reply texts shared by several handlers. Every text is a translated string composed under the
sender's language (the caller holds ``translation.override``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from maternal.models import Staff
from maternal.sms.errors import FIELD_LABELS, MESSAGES, ParseError, UnknownKeyword
from maternal.sms.grammar import GRAMMARS

SMS_LIMIT = 160


def keyword_list() -> str:
    return " ".join(sorted(GRAMMARS))


def error_reply(error: ParseError) -> str:
    """All the errors of a message in one SMS, each naming the field and what is expected."""
    if isinstance(error, UnknownKeyword):
        first = error.errors[0] if error.errors else None
        if first and first.message == "empty":
            return _("Empty message. Start with a keyword: %(keywords)s. Send HELP for formats.") % {
                "keywords": keyword_list()
            }
        return _("Unknown keyword. Use one of: %(keywords)s. Send HELP <keyword> for its format.") % {
            "keywords": keyword_list()
        }
    prefix = _("%(keyword)s not recorded.") % {"keyword": error.keyword} if error.keyword else ""
    reply = " ".join([prefix, error_details(error)]).strip()
    usage_hint = _("Send HELP %(keyword)s") % {"keyword": error.keyword} if error.keyword else ""
    if usage_hint and len(reply) + len(usage_hint) + 1 <= SMS_LIMIT:
        reply = f"{reply} {usage_hint}"
    return reply


def error_details(error: ParseError) -> str:
    """Every wrong field of a message, each naming the field and what is expected."""
    details = []
    for field_error in error.errors:
        text = _(MESSAGES[field_error.message]) % dict(field_error.params)
        label = FIELD_LABELS.get(field_error.field)
        details.append(f"{_(label)}: {text}" if label else text)
    return "; ".join(details) + "."


def fit_with_note(text: str, note: str) -> str:
    """``text`` and, as room allows in one SMS, ``note`` (cut with "..." when too long)."""
    if not note:
        return text
    whole = f"{text} {note}"
    if len(whole) <= SMS_LIMIT:
        return whole
    room = SMS_LIMIT - len(text) - 1
    return f"{text} {note[: room - 3]}..." if room > 12 else text


def not_registered_reply() -> str:
    return _(
        "This phone is not registered. Ask your health centre, then send: "
        "REG <your ID> <facility code> <village code>"
    )


def staff_reply() -> str:
    """A health worker's phone sent a volunteer's report: say what staff can send instead."""
    return _(
        "Reports about mothers come from their volunteer. From a staff phone send: OK <alert>, "
        "YES <registration>, RED, WHO, LANG, HELP."
    )


def pending_reply() -> str:
    return _("Your registration is waiting for approval by your health centre.")


def system_error_reply() -> str:
    return _(
        "Sorry, the system could not record this message. Nothing was saved; please send it again later."
    )


def staff_place(staff: Staff) -> str:
    """Where a staff member works: their facility, or a district official's district."""
    if staff.facility is not None:
        return staff.facility.name
    return staff.district.name if staff.district else "?"


def date_text(value) -> str:
    return f"{value:%d.%m.%Y}"
