"""The per-phone inbound rate limit (docs/security.md): a phone that sends more than
``settings.INBOUND_RATE_LIMIT`` = (count, period) messages is flooding — a broken phone, a gateway
loop, or an auto-reply ping-pong with the system.

A message over the limit is stored like every other (nothing is lost; an operator can find them
in the admin by their keyword ``RATELIMIT``) but not processed. The sender is told once, the
first time in a period, to wait; later messages get no reply at all, because answering each one
is exactly what keeps an auto-reply loop going. ``RED`` is never held back: an emergency is
always escalated, whoever sends it and however often (a gateway retry of one is still answered
from the duplicate check, without a second alert); over the limit only its reply is held (stored
with status "held", not sent).
"""

from __future__ import annotations

import enum

from django.conf import settings
from django.utils.translation import gettext as _

from messaging.models import InboundMessage

#: ``InboundMessage.keyword`` of a message held back by the limit (never a real keyword).
RATE_LIMITED = "RATELIMIT"
#: Keywords processed whatever the sender's rate.
NEVER_LIMITED = frozenset({"RED"})


class Decision(enum.Enum):
    PROCESS = "process"
    #: An emergency over the limit: raised and escalated, but its reply is stored, not sent (a
    #: phone echoing every SMS it gets, each starting with RED, must not keep a loop turning).
    PROCESS_WITHOUT_REPLY = "process without reply"
    HOLD_AND_WARN = "hold and warn"
    HOLD_SILENTLY = "hold silently"


def check(inbound: InboundMessage, *, over_rate_limit: bool, keyword: str) -> Decision:
    """Decide whether a just-recorded message, starting with ``keyword`` as the grammar reads it,
    is processed, and mark it when it is not (``over_rate_limit``: counted as it was recorded,
    ``services.record_inbound``)."""
    if not over_rate_limit:
        return Decision.PROCESS
    if keyword in NEVER_LIMITED:
        return Decision.PROCESS_WITHOUT_REPLY
    _limit, period = settings.INBOUND_RATE_LIMIT
    already_warned = (
        InboundMessage.objects.filter(
            phone=inbound.phone, keyword=RATE_LIMITED, received_at__gte=inbound.received_at - period
        )
        .exclude(pk=inbound.pk)
        .exists()
    )
    InboundMessage.objects.filter(pk=inbound.pk).update(keyword=RATE_LIMITED)
    return Decision.HOLD_SILENTLY if already_warned else Decision.HOLD_AND_WARN


def warning_text() -> str:
    """The one reply to a flooding phone, in the active language (GSM 03.38, one SMS part)."""
    return _("Too many messages; wait a few minutes and send again.")
