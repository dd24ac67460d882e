"""RapidSMS app that stores every inbound SMS first, answers gateway retries with the reply
already given, and remembers the reply each message got."""

from rapidsms.apps.base import AppBase

from messaging import services
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
        msg.fields["inbound_id"] = inbound.pk
        msg.fields["phone"] = inbound.phone
        if inbound.duplicate_of is not None:
            msg.respond(inbound.duplicate_of.reply)
            return True
        return False

    def outgoing(self, msg) -> bool:
        original = msg.in_response_to
        if original is not None and "inbound_id" in original.fields:
            services.save_reply(original.fields["inbound_id"], msg.text)
        return True
