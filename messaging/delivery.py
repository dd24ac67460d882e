"""Delivery of the outbox: each queued ``OutgoingMessage`` handed to its RapidSMS backend at most
once (a claim with a lease, then the hand-over, then the result), and the sweep that delivers
whatever a lost task, a broker outage or a dead worker left behind. The Celery tasks
(``messaging.tasks``) call these, and so do the simulator and ``run_due``, which deliver what they
queued without a worker."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import requests
from django.db import InterfaceError, OperationalError
from django.db import connection as db_connection
from django.db.models import F
from django.utils import timezone

from messaging.backends import SENDSMS_TIMEOUT_SECONDS, installed_backend
from messaging.models import OutgoingMessage

logger = logging.getLogger(__name__)

Status = OutgoingMessage.Status
MAX_BACKOFF = timedelta(hours=1)


class PermanentSendError(Exception):
    """The gateway refused the message for good (e.g. an invalid number)."""


def _send_through_backend(message: OutgoingMessage) -> None:
    backend = installed_backend(message.backend)
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
