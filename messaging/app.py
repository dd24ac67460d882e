"""RapidSMS app that stores every inbound SMS first, then (in the filter phase, before any
keyword handler) holds back a flooding phone's messages and answers gateway retries with the
reply already given; it also remembers the reply each message got.

The order matters: the rate limit comes before the duplicate check, because a phone echoing the
system's replies sends the same text again and again, and each of those would otherwise be
answered as a "gateway retry" and keep the loop turning.
"""

from __future__ import annotations

from django.utils import translation
from rapidsms.apps.base import AppBase

from maternal.selectors import identify_sender
from maternal.sms.grammar import keyword_of
from messaging import ratelimit, services
from messaging.phones import normalize_phone


class ConversationApp(AppBase):
    def filter(self, msg) -> bool:
        connection = msg.connections[0]
        inbound = services.record_inbound(
            phone=normalize_phone(connection.identity),
            backend=connection.backend.name,
            text=msg.raw_text,
            gateway_id=str(msg.fields.get("external_id", "")),
        )
        msg.fields["inbound"] = inbound
        msg.fields["inbound_id"] = inbound.pk
        msg.fields["phone"] = inbound.phone
        decision = ratelimit.check(inbound, keyword=keyword_of(msg.raw_text))
        if decision is ratelimit.Decision.HOLD_AND_WARN:
            with translation.override(identify_sender(inbound.phone).language):
                msg.respond(ratelimit.warning_text())
        if decision is ratelimit.Decision.PROCESS_WITHOUT_REPLY:
            msg.fields["hold_reply"] = True
        elif decision is not ratelimit.Decision.PROCESS:
            return True
        if inbound.duplicate_of is not None:
            if inbound.duplicate_of.reply:  # the same answer, or the same silence
                msg.respond(inbound.duplicate_of.reply)
            return True
        return False
