"""The conversation's plumbing: record what arrives, queue and deliver what leaves.

Outgoing SMS are rows first (``queue_message``); delivery claims a row with a conditional update
so that a retried task, a second worker or the periodic sweep never send it twice.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, close_old_connections, transaction
from django.db import connection as db_connection
from django.db.models import F
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from rapidsms.models import Connection

from messaging.backends import SENDSMS_TIMEOUT_SECONDS
from messaging.gsm import to_gsm
from messaging.models import InboundMessage, OutgoingMessage
from messaging.phones import normalize_phone

logger = logging.getLogger(__name__)

Status = OutgoingMessage.Status
MAX_BACKOFF = timedelta(hours=1)

_inline_delivery: contextvars.ContextVar[bool] = contextvars.ContextVar("inline_delivery", default=False)


def delivering_inline() -> bool:
    return _inline_delivery.get()


@contextlib.contextmanager
def inline_delivery() -> Iterator[None]:
    """Deliver queued messages in this process instead of through Celery (the ``sms`` simulator
    and ``run_due`` use it, so they work with no worker running)."""
    token = _inline_delivery.set(True)
    try:
        yield
    finally:
        _inline_delivery.reset(token)


# --- inbound -------------------------------------------------------------------------------


def record_inbound(*, phone: str, backend: str, text: str, gateway_id: str = "") -> InboundMessage:
    """Store an arriving SMS, linking it to the original when it is a gateway retry: the same
    gateway message id from the same backend, or the same phone and text within
    ``DUPLICATE_WINDOW`` as a message already answered (a message that failed is not an
    original: its resend is processed again).

    Call it inside the transaction that processes the message (``receive_sms``). The gateway id is
    unique among originals (a database constraint, not a read-then-write check): a copy that
    arrives while the original is being processed waits on the INSERT until the original's
    transaction ends, then is stored as its duplicate and answered with its reply."""
    now = timezone.now()
    message = InboundMessage(phone=phone, backend=backend, text=text, gateway_id=gateway_id, received_at=now)
    message.duplicate_of = (
        InboundMessage.objects.filter(
            duplicate_of=None, phone=phone, text=text, received_at__gte=now - settings.DUPLICATE_WINDOW
        )
        .exclude(reply="")
        .exclude(failed=True)
        .order_by("-received_at")
        .first()
    )
    if message.duplicate_of is None and gateway_id:
        try:
            with transaction.atomic():
                message.save()
            return message
        except IntegrityError:
            message.pk = None
            message.duplicate_of = InboundMessage.objects.get(
                backend=backend, gateway_id=gateway_id, duplicate_of=None, failed=False
            )
    message.save()
    return message


def is_rate_limited(inbound: InboundMessage) -> bool:
    limit, period = settings.INBOUND_RATE_LIMIT
    recent = InboundMessage.objects.filter(
        phone=inbound.phone, received_at__gte=inbound.received_at - period
    ).count()
    return recent > limit


def save_reply(inbound_id: int, text: str, *, keyword: str = "", failed: bool = False) -> None:
    """Remember the (first) reply a message got; ``keyword`` marks it an accepted report of that
    keyword, ``failed`` a message the system could not process, in the same UPDATE."""
    accepted = {"keyword": keyword, "accepted": True} if keyword else {}
    InboundMessage.objects.filter(pk=inbound_id, reply="").update(reply=text, failed=failed, **accepted)


# --- outbound ------------------------------------------------------------------------------


def _connection(backend: str, identity: str) -> Connection:
    """The RapidSMS connection of ``identity`` on ``backend``, created on first contact. One query
    for a phone already known (``lookup_connections`` always takes two: backend, then connection)."""
    from rapidsms.router import lookup_connections

    connection = (
        Connection.objects.select_related("backend").filter(backend__name=backend, identity=identity).first()
    )
    return connection or lookup_connections(backend, [identity])[0]


def queue_message(
    *,
    phone: str,
    text: str,
    kind: str = OutgoingMessage.Kind.NOTICE,
    emergency: bool = False,
    in_reply_to: InboundMessage | None = None,
    identity: str | None = None,
    hold: bool = False,
) -> OutgoingMessage:
    """Store one outgoing SMS and have it delivered once the current transaction commits.

    A reply goes back through the backend its message came in on (to ``identity``, the address
    that backend gave); every other message (alerts, escalations, digests, reminders, notices)
    goes through the production backend ``settings.SMS_BACKEND``, whichever backend the phone
    last wrote from: a midwife who once tried the web tester must still get her alerts on her
    phone.

    The message is stored but held, not sent, when ``hold`` says so (the rate limit's decision) or
    when the loop guard finds the same text already went to the same phone too often in the last
    minutes (auto-reply loops between two numbers)."""
    now = timezone.now()
    if in_reply_to is not None:
        backend, identity = in_reply_to.backend, identity or phone
    else:
        backend, identity = settings.SMS_BACKEND, phone
    text = to_gsm(text)
    guard_count, guard_period = settings.LOOP_GUARD
    repeated = OutgoingMessage.objects.filter(
        phone=phone, text=text, created_at__gte=now - guard_period
    ).count()
    status = Status.HELD if hold or repeated >= guard_count else Status.QUEUED
    message = OutgoingMessage.objects.create(
        phone=phone,
        backend=backend,
        identity=identity,
        text=text,
        kind=kind,
        emergency=emergency,
        status=status,
        in_reply_to=in_reply_to,
        next_attempt_at=now,
    )
    if status == Status.HELD:
        logger.warning("Loop guard held message %s to %s", message.pk, phone)
    else:
        inline = delivering_inline()
        transaction.on_commit(lambda: dispatch(message.pk, emergency=emergency, inline=inline))
    return message


def dispatch(message_id: int, *, emergency: bool = False, inline: bool = False) -> None:
    """Hand a queued message to a worker (or deliver it here in inline mode). If the broker is
    away the row stays queued and the periodic sweep delivers it."""
    if inline:
        deliver(message_id)
        return
    from messaging.tasks import deliver_emergency, deliver_message

    task = deliver_emergency if emergency else deliver_message
    try:
        task.delay(message_id)
    except Exception:  # broker unreachable: the sweep is the safety net, the row is the truth
        logger.warning("Could not enqueue message %s; the outbox sweep will send it", message_id)


class PermanentSendError(Exception):
    """The gateway refused the message for good (e.g. an invalid number)."""


def _send_through_backend(message: OutgoingMessage) -> None:
    from messaging.router import cached_router

    backend = cached_router().backends.get(message.backend)
    if backend is None:
        raise PermanentSendError(f"no backend named {message.backend!r}")
    try:
        backend.send(id_=str(message.pk), text=message.text, identities=[message.identity], context={})
    except requests.HTTPError as error:
        response = error.response
        if response is not None and response.status_code in (400, 404):
            raise PermanentSendError(
                f"gateway answered {response.status_code}: {response.text[:200]}"
            ) from error
        raise


#: How long a delivery keeps trying to write its result while the database is away (a restart or
#: a failover takes seconds): after that the message is left to be sent again.
RESULT_RETRY_SECONDS = 10
#: How long a claimed message may take to be handed over and its result written before another
#: delivery may take it: longer than a send can last (the Kannel backend gives up after
#: SENDSMS_TIMEOUT_SECONDS) plus the result's retries, so that only a message whose worker died
#: half-way is taken again, and soon: an alert must not wait long for a dead worker.
SENDING_LEASE = timedelta(seconds=SENDSMS_TIMEOUT_SECONDS + RESULT_RETRY_SECONDS + 5)
DELIVERABLE = [Status.QUEUED, Status.RETRYING, Status.SENDING]


def deliver(message_id: int) -> bool:
    """Send one queued message through its backend, at most once. Returns whether it was sent.

    The claim commits first (status "sending", with a lease), then the message is handed to the
    backend, then its result is written, retried while the database is away: a database restart
    at the wrong moment neither loses the message nor sends it again. Only a worker killed
    between the hand-over and the result leaves a message "sending"; when its lease ends it is
    sent again (SMS gateways offer no idempotency key: a rare duplicate is preferred to a loss)."""
    now = timezone.now()
    claimed = OutgoingMessage.objects.filter(
        pk=message_id, status__in=DELIVERABLE, next_attempt_at__lte=now
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + SENDING_LEASE)
    if claimed != 1:
        return False
    message = OutgoingMessage.objects.get(pk=message_id)
    try:
        _send_through_backend(message)
    except PermanentSendError as error:
        logger.error("Message %s failed for good: %s", message_id, error)
        _record_result(message_id, status=Status.FAILED, sent_at=None, failure_reason=str(error)[:255])
        return False
    except Exception as error:
        backoff = min(timedelta(seconds=30 * 2 ** (message.attempts - 1)), MAX_BACKOFF)
        logger.warning("Message %s will be retried in %s: %s", message_id, backoff, error)
        _record_result(
            message_id,
            status=Status.RETRYING,
            sent_at=None,
            failure_reason=str(error)[:255],
            next_attempt_at=timezone.now() + backoff,
        )
        return False
    _record_result(message_id, status=Status.SENT, sent_at=timezone.now(), failure_reason="")
    return True


def _record_result(message_id: int, **result: object) -> None:
    deadline = time.monotonic() + RESULT_RETRY_SECONDS
    while True:
        try:
            OutgoingMessage.objects.filter(pk=message_id, status=Status.SENDING).update(**result)
            return
        except (OperationalError, InterfaceError):
            if db_connection.in_atomic_block or time.monotonic() > deadline:
                raise
            logger.warning("Could not record the result of message %s yet; retrying", message_id)
            db_connection.close()
            time.sleep(1)


def sweep_outbox(*, now: datetime | None = None, emergency: bool | None = None) -> dict[str, int]:
    """Deliver every message due so far (never handed to a worker, broker away, waiting for a
    retry, or left "sending" by a worker that died), emergencies first; ``emergency`` limits the sweep to emergency (True) or routine
    (False) messages, so that the emergency queue's sweep never waits behind a routine backlog."""
    now = now or timezone.now()
    due = OutgoingMessage.objects.filter(status__in=DELIVERABLE, next_attempt_at__lte=now)
    if emergency is not None:
        due = due.filter(emergency=emergency)
    due_ids = list(due.order_by("-emergency", "pk").values_list("pk", flat=True))
    return {"sent": sum(deliver(pk) for pk in due_ids)}


def receive_sms(*, backend: str, identity: str, text: str, gateway_id: str = "") -> None:
    """Run one inbound SMS through the RapidSMS router (every gateway view and the simulator).

    The message, everything it changes and its reply commit in one transaction, so that a
    concurrent copy from the gateway waits for it (``record_inbound``). If processing fails in
    a way the conversation could not answer (a lost database connection, a bug), the transaction
    is rolled back whole and the message is stored again on its own, marked failed, with the
    "send it again" reply: never a half-written record, never an unanswered message."""
    from messaging.router import cached_router

    router = cached_router()
    connection = _connection(backend, identity)
    fields = {"external_id": gateway_id} if gateway_id else {}
    # No phone sends NUL, but junk from a broken gateway may: PostgreSQL cannot store it in text.
    text = text.replace("\x00", "")
    message = router.new_incoming_message(text=text, connections=[connection], fields=fields)
    try:
        with transaction.atomic():
            router.receive_incoming(message)
            if transaction.get_rollback():
                raise RuntimeError("a statement failed inside the message's transaction")
    except Exception:
        logger.exception("An inbound SMS could not be processed; stored as failed and answered")
        _record_unprocessed(backend=backend, identity=identity, text=text, gateway_id=gateway_id)


def _record_unprocessed(*, backend: str, identity: str, text: str, gateway_id: str) -> None:
    close_old_connections()  # a connection the failure broke is replaced, not reused
    phone = normalize_phone(identity)
    with transaction.atomic():
        with translation.override(import_string(settings.SMS_LANGUAGE_OF)(phone)):
            reply = _(
                "Sorry, the system could not record this message. Nothing was saved; please send it again later."
            )
        inbound = InboundMessage.objects.create(
            phone=phone,
            backend=backend,
            text=text,
            gateway_id=gateway_id,
            received_at=timezone.now(),
            failed=True,
            reply=reply,
        )
        queue_message(
            phone=phone, text=reply, kind=OutgoingMessage.Kind.REPLY, in_reply_to=inbound, identity=identity
        )


def send_sms(*, phone: str, text: str, kind: str, emergency: bool = False) -> OutgoingMessage:
    """Send a message the system starts (alert, reminder, notice): straight to the outbox, through
    the production backend."""
    return queue_message(phone=phone, text=text, kind=kind, emergency=emergency)


def simulate(*, phone: str, text: str, backend: str = "simulator") -> list[OutgoingMessage]:
    """Process one SMS as if it came from ``phone`` and deliver, here and now, every message the
    system sends as a result. Returns those messages in order."""
    last_id = OutgoingMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with inline_delivery():
        receive_sms(backend=backend, identity=phone, text=text)
    return list(OutgoingMessage.objects.filter(pk__gt=last_id).order_by("pk"))
