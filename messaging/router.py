"""The way in: ``receive_sms`` runs one inbound SMS through the RapidSMS router as deployed, in
one transaction with everything it changes and its reply. The router is the blocking router,
except that what it would hand to a backend is written to the outbox (delivered by a worker,
with retries) and noted on the message it answers."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from rapidsms.models import Backend, Connection
from rapidsms.router import get_router
from rapidsms.router.blocking import BlockingRouter

from messaging.delivery import DELIVERABLE, deliver
from messaging.models import InboundMessage, OutgoingMessage
from messaging.phones import normalize_phone
from messaging.services import (
    Arrival,
    queue_message,
    record_inbound,
    reply_loops,
    save_reply,
)

logger = logging.getLogger(__name__)


@dataclass
class Exchange:
    """What the conversation app tells the router about the SMS a reply answers
    (``msg.fields["exchange"]``)."""

    #: The stored SMS, and what was read about its phone as it was stored.
    arrival: Arrival
    #: The keyword of an accepted report, noted with the reply.
    accepted_keyword: str = ""
    #: The system could not process the SMS: a resend is processed afresh.
    failed: bool = False
    #: The reply is stored but not sent (an emergency over the rate limit).
    hold_reply: bool = False
    #: The reply of a report refused after its service had begun to write: the message's
    #: transaction is rolled back, and the message stored with this reply on its own.
    reply_after_rollback: str | None = None
    #: A concurrent transaction won a unique key the message needed: it is run again.
    conflict: bool = False

    @property
    def inbound(self) -> InboundMessage:
        return self.arrival.inbound

    def holds(self, reply: str) -> bool:
        """Whether ``reply`` is stored but not sent: the rate limit said so, or the phone already
        got this very text as often as the loop guard allows."""
        return self.hold_reply or reply_loops(self.arrival.earlier_replies, reply)


class OutboxRouter(BlockingRouter):
    def receive_incoming(self, msg) -> None:
        """Store and answer one inbound SMS (``receive_sms``, and RapidSMS's own entry points such
        as its message tester). The message, everything it changes and its reply commit in one
        transaction (BEGIN, the statements, COMMIT: no savepoint on the way of an accepted
        report). Then:

        - a report refused after its service began to write (the service raised ``Refusal``,
          which marks the transaction for rollback) is rolled back whole, and stored with its
          reply in a transaction of its own;
        - a unique key that another transaction won meanwhile (a concurrent copy from the
          gateway, a concurrent registration of the same mother) runs the message once more from
          the start: it then sees the winner (the copy is answered with the original's reply, the
          second registration with a clear refusal);
        - anything else the conversation could not answer (a lost database connection, a bug)
          rolls back whole, and the message is stored on its own, marked failed, with the "send
          it again" reply.

        Never a half-written record, never an unanswered message."""
        connection = msg.connections[0]
        arriving = {
            "phone": normalize_phone(connection.identity),
            "backend": connection.backend.name,
            # No phone sends NUL, but junk from a broken gateway may: PostgreSQL cannot store it.
            "text": msg.raw_text.replace("\x00", ""),
            "gateway_id": str(msg.fields.get("external_id", "")),
        }
        for after_conflict in (False, True):
            message = self.new_incoming_message(text=arriving["text"], connections=[connection])
            try:
                with transaction.atomic():
                    exchange = message.fields["exchange"] = Exchange(
                        record_inbound(**arriving, after_conflict=after_conflict)
                    )
                    self.process_incoming(message)
                    if exchange.conflict:
                        raise _Conflict
                    if exchange.reply_after_rollback is not None:
                        raise _Refused
                    if transaction.get_rollback():
                        raise RuntimeError("a statement failed inside the message's transaction")
                return
            except _Refused:
                reply, failed = exchange.reply_after_rollback or "", exchange.failed
                hold = exchange.holds(reply)
                break
            except (IntegrityError, _Conflict):
                if not after_conflict:
                    logger.info("A concurrent transaction won a unique key; processing the SMS again")
                    continue
                logger.exception("An inbound SMS hit a unique key twice; stored as failed and answered")
            except Exception:
                logger.exception("An inbound SMS could not be processed; stored as failed and answered")
            close_old_connections()  # a connection the failure broke is replaced, not reused
            reply, failed, hold = _sorry(arriving["phone"]), True, False
            break
        _store_answered(**arriving, identity=connection.identity, reply=reply, failed=failed, hold=hold)

    def process_incoming(self, msg) -> None:
        """As ``BlockingRouter.process_incoming``, but the replies go out through this router:
        the original sends each with ``rapidsms.router.send``, which builds a new router (every
        app, handler and backend) per reply."""
        if self.process_incoming_phases(msg):
            for response in msg.responses:
                self.send_outgoing(self.new_outgoing_message(**response))

    def backend_preparation(self, msg) -> None:
        """Queue the router's outgoing messages: replies only (system messages skip the router,
        ``messaging.services.send_sms``), each back through the backend its message came in on,
        and note the reply on the message it answers. (Here, not in an app's ``outgoing`` phase:
        RapidSMS logs and swallows errors of those phases, and a reply that was not noted must
        fail the message's transaction.) When a refused report marked the transaction for
        rollback, the reply is kept for ``receive_sms`` to store once the transaction is undone."""
        exchange: Exchange = msg.in_response_to.fields["exchange"]
        if transaction.get_rollback():
            exchange.reply_after_rollback = msg.text
            return
        hold = exchange.holds(msg.text)
        if hold and not exchange.hold_reply:
            logger.warning("Loop guard held the reply to message %s", exchange.inbound.pk)
        for connection in msg.connections:
            queue_message(
                phone=normalize_phone(connection.identity),
                text=msg.text,
                kind=OutgoingMessage.Kind.REPLY,
                identity=connection.identity,
                in_reply_to=exchange.inbound,
                hold=hold,
            )
        save_reply(exchange.inbound.pk, msg.text, keyword=exchange.accepted_keyword, failed=exchange.failed)


@functools.cache
def cached_router() -> BlockingRouter:
    """One router per process: building one loads every app, handler and backend."""
    return get_router()


class _Conflict(Exception):
    """Leaves a message's transaction when the conversation met a unique key that a concurrent
    transaction won (``Exchange.conflict``): the message is run again."""


class _Refused(Exception):
    """Leaves a message's transaction when the conversation refused the report after its service
    had begun to write: the transaction is rolled back, and the message stored with its reply."""


def receive_sms(*, backend: str, identity: str, text: str, gateway_id: str = "") -> None:
    """Run one inbound SMS through the router (every gateway view and the simulator;
    ``OutboxRouter.receive_incoming`` says what happens to it)."""
    # The router needs a RapidSMS connection (backend and identity) to answer through; the
    # project keeps phones in its own tables, so it is built here, never read or stored.
    connection = Connection(backend=Backend(name=backend), identity=identity)
    fields = {"external_id": gateway_id} if gateway_id else {}
    router = cached_router()
    router.receive_incoming(router.new_incoming_message(text=text, connections=[connection], fields=fields))


def _sorry(phone: str) -> str:
    with translation.override(import_string(settings.SMS_LANGUAGE_OF)(phone)):
        return _(
            "Sorry, the system could not record this message. Nothing was saved; please send it again later."
        )


def _store_answered(
    *,
    phone: str,
    backend: str,
    identity: str,
    text: str,
    gateway_id: str,
    reply: str,
    failed: bool,
    hold: bool,
) -> None:
    """Store a message with the reply it gets and queue that reply, in one transaction of their own."""
    with transaction.atomic():
        inbound = InboundMessage.objects.create(
            phone=phone,
            backend=backend,
            text=text,
            gateway_id=gateway_id,
            received_at=timezone.now(),
            failed=failed,
            reply=reply,
        )
        queue_message(
            phone=phone,
            text=reply,
            kind=OutgoingMessage.Kind.REPLY,
            in_reply_to=inbound,
            identity=identity,
            hold=hold,
        )


def simulate(*, phone: str, text: str, backend: str = "simulator") -> list[OutgoingMessage]:
    """Process one SMS as if it came from ``phone`` and deliver, here and now, every message the
    system queued as a result (no worker needed). Returns those messages in order."""
    last_id = OutgoingMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    receive_sms(backend=backend, identity=phone, text=text)
    caused = OutgoingMessage.objects.filter(pk__gt=last_id).order_by("pk")
    for message_id in caused.filter(status__in=DELIVERABLE).values_list("pk", flat=True):
        deliver(message_id)
    return list(caused)
