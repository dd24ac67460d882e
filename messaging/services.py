"""The conversation's plumbing: record what arrives, queue and deliver what leaves.

Outgoing SMS are rows first (``queue_message``); delivery claims a row with a conditional update
so that a retried task, a second worker or the periodic sweep never send it twice.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from messaging import locks, sql, tasks
from messaging.gsm import to_gsm
from messaging.models import InboundMessage, OutgoingMessage

logger = logging.getLogger(__name__)

Status = OutgoingMessage.Status

# --- inbound -------------------------------------------------------------------------------


#: At most this many of a phone's latest messages are read to find a retry and count its rate: a
#: phone that sent more within the windows is far over the rate limit (its message is held, or for
#: a RED, raised anyway: a second RED for the same mother joins her open alert).
RECENT_MESSAGES_READ = 100


def record_inbound(
    *, phone: str, backend: str, text: str, gateway_id: str = "", after_conflict: bool = False
) -> Arrival:
    """Store an arriving SMS, linking it to the original when it is a gateway retry: the same
    gateway message id from the same backend, or the same phone and text within
    ``DUPLICATE_WINDOW`` as a message already answered (a message that failed is not an
    original: its resend is processed again). One read of the phone's latest messages finds the
    retry and counts the phone's rate; one INSERT stores the message.

    Call it inside the transaction that processes the message (``receive_sms``). The gateway id is
    unique among originals (a database constraint, not a read-then-write check): a copy that
    arrives while the original is being processed waits on the INSERT until the original's
    transaction ends, and fails; ``receive_sms`` then runs it again (``after_conflict``), and it is
    stored as the original's duplicate and answered with its reply."""
    now = timezone.now()
    limit, period = settings.INBOUND_RATE_LIMIT
    recent = _recent_messages(phone, now)
    duplicate_of_id = next(
        (
            earlier.id
            for earlier in recent
            if earlier.original
            and (
                (gateway_id and (earlier.backend, earlier.gateway_id) == (backend, gateway_id))
                or (earlier.text == text and earlier.reply and earlier.in_duplicate_window)
            )
        ),
        None,
    )
    if duplicate_of_id is None and after_conflict and gateway_id:
        duplicate_of_id = (
            InboundMessage.objects.filter(
                backend=backend, gateway_id=gateway_id, duplicate_of=None, failed=False
            )
            .values_list("pk", flat=True)
            .first()
        )
    message = sql.insert(
        InboundMessage(
            phone=phone,
            backend=backend,
            text=text,
            gateway_id=gateway_id,
            received_at=now,
            duplicate_of_id=duplicate_of_id,
        )
    )
    sent_recently = 1 + sum(earlier.in_rate_period for earlier in recent)
    return Arrival(
        message,
        over_rate_limit=sent_recently > limit,
        earlier_replies=[earlier.reply for earlier in recent if earlier.in_guard_period],
    )


class _Recent(NamedTuple):
    """One of a phone's latest messages, as ``record_inbound`` needs it."""

    id: int
    backend: str
    gateway_id: str
    text: str
    reply: str
    #: Neither a duplicate nor failed: a message a retry can be the copy of.
    original: bool
    in_rate_period: bool
    in_duplicate_window: bool
    in_guard_period: bool


def _recent_messages(phone: str, now: datetime) -> list[_Recent]:
    """The phone's latest messages (at most ``RECENT_MESSAGES_READ``) within the widest of the
    rate limit's, the duplicate window's and the loop guard's periods, newest first, each with the
    periods it falls in. Written in SQL, as ``save_reply``: every SMS runs them, and the ORM's
    building of the query cost four times the query itself (docs/benchmarks.md)."""
    rate_period = settings.INBOUND_RATE_LIMIT[1]
    guard_period = settings.LOOP_GUARD[1]
    windows = [now - rate_period, now - settings.DUPLICATE_WINDOW, now - guard_period]
    oldest = min(windows)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT id, backend, gateway_id, text, reply, duplicate_of_id IS NULL AND NOT failed,
                      received_at >= %s, received_at >= %s, received_at >= %s
               FROM messaging_inboundmessage
               WHERE phone = %s AND received_at >= %s
               ORDER BY received_at DESC LIMIT %s""",
            [*map(_as_timestamp, windows), phone, _as_timestamp(oldest), RECENT_MESSAGES_READ],
        )
        return [_Recent(*row[:5], *map(bool, row[5:])) for row in cursor.fetchall()]


def _as_timestamp(moment: datetime) -> str | datetime | None:
    """``moment`` as a parameter compared with a DateTimeField in hand-written SQL (SQLite compares
    the text the ORM stored)."""
    return connection.ops.adapt_datetimefield_value(moment)


@dataclass(frozen=True)
class Arrival:
    inbound: InboundMessage
    #: The phone sent more than ``INBOUND_RATE_LIMIT`` allows, this message included.
    over_rate_limit: bool
    #: The replies its messages got within the loop guard's period (``reply_loops``).
    earlier_replies: list[str]


def reply_loops(earlier_replies: list[str], reply: str) -> bool:
    """The loop guard for a reply: the phone already got this very text as often as
    ``LOOP_GUARD`` allows (an auto-responder echoing the system's answers). Read from the phone's
    messages ``record_inbound`` fetched anyway; a message the system starts is checked against
    the outbox instead (``queue_message``)."""
    return earlier_replies.count(reply) >= settings.LOOP_GUARD[0]


def save_reply(inbound_id: int, text: str, *, keyword: str = "", failed: bool = False) -> None:
    """Remember the (first) reply a message got; ``keyword`` marks it an accepted report of that
    keyword, ``failed`` a message the system could not process, in the same UPDATE (in SQL, as
    ``_recent_messages``)."""
    columns: dict[str, str | bool] = {"reply": text, "failed": failed}
    if keyword:  # else the keyword stays as the rate limit may have marked it
        columns |= {"keyword": keyword, "accepted": True}
    assignments = ", ".join(f"{column} = %s" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE messaging_inboundmessage SET {assignments} WHERE id = %s AND reply = ''",
            [*columns.values(), inbound_id],
        )


# --- outbound ------------------------------------------------------------------------------


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

    The message is stored but held, not sent, when ``hold`` says so (the rate limit's decision) or,
    for a message the system starts, when the loop guard finds the same text already went to the
    same phone too often in the last minutes (auto-reply loops between two numbers). A reply's
    guard is the router's (``reply_loops``), from what it read as the message arrived."""
    now = timezone.now()
    if in_reply_to is not None:
        backend, identity = in_reply_to.backend, identity or phone
    else:
        backend, identity = settings.SMS_BACKEND, phone
    text = to_gsm(text)
    status = Status.HELD if hold or (in_reply_to is None and _loops(phone, text, now)) else Status.QUEUED
    message = sql.insert(
        OutgoingMessage(
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
    )
    if status == Status.HELD:
        logger.warning("Loop guard held message %s to %s", message.pk, phone)
    else:
        transaction.on_commit(functools.partial(dispatch, message.pk, emergency=emergency))
    return message


def _loops(phone: str, text: str, now: datetime) -> bool:
    guard_count, guard_period = settings.LOOP_GUARD
    sent = OutgoingMessage.objects.filter(phone=phone, text=text, created_at__gte=now - guard_period)
    return sent.count() >= guard_count


def dispatch(message_id: int, *, emergency: bool = False) -> None:
    """Have a worker deliver a message just committed: an emergency gets a task of its own on the
    emergency queue; a routine message wakes the outbox's drain task (``tasks.deliver_outbox``),
    published only when no drain is waiting already, so a busy hour costs one Redis command per
    message, not one task. If the broker is away the row stays queued and the periodic sweep
    delivers it (``simulate`` and ``run_due`` deliver what they queue themselves)."""
    try:
        if emergency:
            tasks.deliver_emergency.delay(message_id)
        elif locks.wake_outbox():
            _publish_drain()
    except Exception:  # broker unreachable: the sweep is the safety net, the row is the truth
        if not _broker_away.is_set():  # once per outage, not once per message of a backlog
            logger.warning("Could not hand message %s to a worker; the outbox sweep will send it", message_id)
        _broker_away.set()
    else:
        _broker_away.clear()


def _publish_drain() -> None:
    """Publish the drain task for the flag just raised; if that fails, lower the flag again so
    that the next message tries again."""
    try:
        tasks.deliver_outbox.delay()
    except Exception:
        with contextlib.suppress(Exception):
            locks.lower_outbox_flag()
        raise


#: Set while this process cannot reach the broker (``dispatch`` then warns once, not per message).
_broker_away = threading.Event()


def send_sms(*, phone: str, text: str, kind: str, emergency: bool = False) -> OutgoingMessage:
    """Send a message the system starts (alert, reminder, notice): straight to the outbox, through
    the production backend."""
    return queue_message(phone=phone, text=text, kind=kind, emergency=emergency)
