"""The shape shared by every keyword handler: find who is writing, parse with the grammar,
call one service, reply once in the sender's language."""

from __future__ import annotations

import logging

from django.utils import timezone, translation
from rapidsms.contrib.handlers.handlers.base import BaseHandler

from maternal.selectors import Sender, identify_sender
from maternal.services import Refusal
from maternal.sms.errors import ParseError
from maternal.sms.grammar import keyword_of, parse
from maternal.sms.replies import (
    error_reply,
    not_registered_reply,
    pending_reply,
    staff_reply,
    system_error_reply,
)
from messaging.models import InboundMessage

logger = logging.getLogger(__name__)


class KeywordHandler(BaseHandler):
    """Subclasses set ``keywords`` and implement ``reply_to(command) -> str``."""

    keywords: tuple[str, ...] = ()
    #: Whether only an active volunteer may send this keyword.
    volunteers_only = True

    @classmethod
    def dispatch(cls, router, msg) -> bool:
        if keyword_of(msg.text) not in cls.keywords:
            return False
        cls(router, msg).run()
        return True

    def run(self) -> None:
        self.sender: Sender = identify_sender(self.msg.fields.get("phone", ""))
        self.today = timezone.localdate()
        # Stored by messaging's ConversationApp in the filter phase, before any handler runs.
        self.inbound: InboundMessage | None = self.msg.fields.get("inbound")
        with translation.override(self.sender.language):
            self.respond(self.compose_reply())

    def compose_reply(self) -> str:
        if self.volunteers_only and not self.sender.is_active_reporter:
            if self.sender.reporter is not None:
                return pending_reply()
            if self.sender.staff is not None:
                return staff_reply()
            return not_registered_reply()
        try:
            command = parse(self.msg.text, today=self.today)
        except ParseError as error:
            return error_reply(error)
        try:
            reply = self.reply_to(command)
        except Refusal as refusal:
            return refusal.reply
        except Exception:
            logger.exception("Handling %s failed", self.keywords[0])
            # Not an answer the volunteer should get again: a resend is processed afresh.
            self.msg.fields["failed"] = True
            return system_error_reply()
        # Recorded as accepted together with its reply (ConversationApp.outgoing), in one UPDATE.
        self.msg.fields["accepted_keyword"] = self.keywords[0]
        return reply

    def reply_to(self, command) -> str:
        raise NotImplementedError
