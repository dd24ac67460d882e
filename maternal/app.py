"""RapidSMS app answering what no keyword handler took: empty text, unknown keywords, junk."""

from django.utils import timezone, translation
from rapidsms.apps.base import AppBase

from maternal.selectors import identify_sender
from maternal.sms.errors import ParseError
from maternal.sms.grammar import parse
from maternal.sms.replies import error_reply


class UnknownMessageApp(AppBase):
    def default(self, msg) -> bool:
        sender = identify_sender(msg.fields.get("phone", ""))
        with translation.override(sender.language):
            try:
                parse(msg.text, today=timezone.localdate())
            except ParseError as error:
                msg.respond(error_reply(error))
                return True
        return False
