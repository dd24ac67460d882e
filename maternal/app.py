"""The conversation as one RapidSMS app. ``messaging.router.receive_sms`` has stored the SMS; the
app's ``filter`` holds back what must not be answered again (a flooding phone past its warning,
a gateway retry, which gets the reply already given); ``handle`` answers everything else exactly
once (``maternal.sms.conversation.answer``). The router then queues the reply and notes it on the
stored SMS (``messaging.router``), all in the transaction of the message.

The rate limit comes before the retry check: a phone echoing the system's replies sends the same
text again and again, and each of those would otherwise be answered as a "gateway retry" and keep
the loop turning.
"""

from __future__ import annotations

from django.utils import timezone, translation
from rapidsms.apps.base import AppBase

from maternal.selectors import identify_sender, language_of
from maternal.sms.conversation import Context, answer
from maternal.sms.grammar import keyword_of
from messaging import ratelimit
from messaging.router import Exchange


class ConversationApp(AppBase):
    def filter(self, msg) -> bool:
        exchange: Exchange = msg.fields["exchange"]
        inbound = exchange.inbound
        decision = ratelimit.check(
            inbound, over_rate_limit=exchange.arrival.over_rate_limit, keyword=keyword_of(msg.raw_text)
        )
        if decision is ratelimit.Decision.HOLD_AND_WARN:
            with translation.override(language_of(inbound.phone)):
                msg.respond(ratelimit.warning_text())
        if decision is ratelimit.Decision.PROCESS_WITHOUT_REPLY:
            exchange.hold_reply = True
        elif decision is not ratelimit.Decision.PROCESS:
            return True
        if inbound.duplicate_of is not None:
            if inbound.duplicate_of.reply:  # the same answer, or the same silence
                msg.respond(inbound.duplicate_of.reply)
            return True
        return False

    def handle(self, msg) -> bool:
        exchange: Exchange = msg.fields["exchange"]
        sender = identify_sender(exchange.inbound.phone)
        context = Context(sender=sender, today=timezone.localdate(), text=msg.text, message=exchange.inbound)
        with translation.override(sender.language):
            reply = answer(context)
        exchange.accepted_keyword, exchange.failed = reply.accepted_keyword, reply.failed
        if reply.conflict:
            exchange.conflict = True
        else:
            msg.respond(reply.text)
        return True
