"""The RapidSMS router as deployed: the blocking router, except that what it would hand to a
backend is written to the outbox and delivered by a worker (with retries), and that a message
leaves in one transaction: its log row, its outbox row and (for a reply) the note of it on the
message it answers commit together or not at all."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import transaction
from rapidsms.router import get_router
from rapidsms.router.blocking import BlockingRouter

from messaging.models import InboundMessage, OutgoingMessage
from messaging.phones import normalize_phone


@dataclass
class Exchange:
    """What the conversation app tells the router about the SMS a reply answers
    (``msg.fields["exchange"]``)."""

    inbound: InboundMessage
    #: The keyword of an accepted report, noted with the reply.
    accepted_keyword: str = ""
    #: The system could not process the SMS: a resend is processed afresh.
    failed: bool = False
    #: The reply is stored but not sent (an emergency over the rate limit).
    hold_reply: bool = False


class OutboxRouter(BlockingRouter):
    def process_incoming(self, msg) -> None:
        """As ``BlockingRouter.process_incoming``, but the replies go out through this router:
        the original sends each with ``rapidsms.router.send``, which builds a new router (every
        app, handler and backend) per reply."""
        if self.process_incoming_phases(msg):
            for response in msg.responses:
                self.send_outgoing(self.new_outgoing_message(**response))

    def process_outgoing(self, msg) -> None:
        with transaction.atomic():
            super().process_outgoing(msg)

    def backend_preparation(self, msg) -> None:
        """Queue the router's outgoing messages: replies only (system messages skip the router,
        ``messaging.services.send_sms``), each back through the backend its message came in on,
        and note the reply on the message it answers. (Here, not in an app's ``outgoing`` phase:
        RapidSMS logs and swallows errors of those phases, and a reply that was not noted must
        fail the message's transaction.)"""
        from messaging.services import queue_message, save_reply

        exchange: Exchange = msg.in_response_to.fields["exchange"]
        for connection in msg.connections:
            queue_message(
                phone=normalize_phone(connection.identity),
                text=msg.text,
                kind=OutgoingMessage.Kind.REPLY,
                identity=connection.identity,
                in_reply_to=exchange.inbound,
                hold=exchange.hold_reply,
            )
        save_reply(exchange.inbound.pk, msg.text, keyword=exchange.accepted_keyword, failed=exchange.failed)


@functools.cache
def cached_router() -> BlockingRouter:
    """One router per process: building one loads every app, handler and backend."""
    return get_router()
