"""The conversation: every SMS gets exactly one answer, in the sender's language.

``answer`` reads the keyword once (``grammar.keyword_of``), checks that this sender may send it,
parses the text once and calls the one reply function registered for the command the grammar
returned. Each keyword's reply function lives in ``maternal/sms/keywords/`` with its sample
conversation, and registers itself with ``@reply_to`` when the app starts
(``maternal.apps.MaternalConfig.ready`` imports them all)::

    @reply_to(AncReport)
    def antenatal(context: Context, command: AncReport) -> str:
        ...

The grammar (``maternal/sms/grammar/``) is the only list of keywords; adding one is a grammar
entry plus one reply function (docs/adding-a-keyword.md). A reply function returns the reply of
an accepted report; it raises ``Refusal`` (nothing recorded) with the reply that says why.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError

from maternal.models import Reporter, Staff
from maternal.selectors import Sender
from maternal.services import Refusal
from maternal.sms.errors import ParseError
from maternal.sms.grammar import GRAMMARS, keyword_of, parse
from maternal.sms.replies import (
    error_reply,
    not_registered_reply,
    pending_reply,
    staff_reply,
    system_error_reply,
)
from messaging.models import InboundMessage

logger = logging.getLogger(__name__)


class Senders(enum.Enum):
    """Who may send a keyword."""

    VOLUNTEERS = "active volunteers"
    STAFF = "health staff"
    ANYONE = "anyone"


@dataclass(frozen=True)
class Context:
    """What a reply function knows of the SMS it answers."""

    sender: Sender
    today: date
    text: str
    message: InboundMessage | None = None

    @property
    def reporter(self) -> Reporter:
        """The sender as a volunteer: ``answer`` calls the reply function of a
        ``Senders.VOLUNTEERS`` keyword only for an active volunteer, so it reads the sender here."""
        if self.sender.reporter is None:
            raise RuntimeError(
                "context.reporter is for Senders.VOLUNTEERS keywords: the sender is no volunteer"
            )
        return self.sender.reporter

    @property
    def staff(self) -> Staff:
        """The sender as health staff: ``answer`` calls the reply function of a ``Senders.STAFF``
        keyword only for a staff member, so it reads the sender here."""
        if self.sender.staff is None:
            raise RuntimeError("context.staff is for Senders.STAFF keywords: the sender is not staff")
        return self.sender.staff


@dataclass(frozen=True)
class Answer:
    text: str
    #: The keyword of an accepted report (recorded with the reply), "" for anything else.
    accepted_keyword: str = ""
    #: The system could not process the message: a resend is processed afresh.
    failed: bool = False
    #: A concurrent transaction won a unique key this report needed (two registrations of one
    #: mother at once): there is no reply yet; the message is to be run again, and then refused
    #: or answered in words (``messaging.router.OutboxRouter.receive_incoming``).
    conflict: bool = False


ReplyFunction = Callable[[Context, Any], str]


@dataclass(frozen=True)
class Entry:
    function: ReplyFunction
    senders: Senders
    #: The reply to a sender who is not staff, for a staff keyword.
    not_staff: Callable[[Sender], str] | None = None
    #: Called instead of the usual error reply when the text does not parse (RED: an emergency
    #: with a mistyped ID is still raised).
    on_parse_error: Callable[[Context, ParseError], str] | None = None


_REPLIES: dict[type, Entry] = {}


def reply_to(
    *commands: type,
    senders: Senders = Senders.VOLUNTEERS,
    not_staff: Callable[[Sender], str] | None = None,
    on_parse_error: Callable[[Context, ParseError], str] | None = None,
) -> Callable[[ReplyFunction], ReplyFunction]:
    """Register the reply function of one or more command types (DTH and LOS share one)."""

    def register(function: ReplyFunction) -> ReplyFunction:
        for command in commands:
            _REPLIES[command] = Entry(function, senders, not_staff, on_parse_error)
        return function

    return register


def reply_function(command: type) -> ReplyFunction:
    """The function answering ``command`` (the SMS reference reads its sample conversation)."""
    return _REPLIES[command].function


def answer(context: Context) -> Answer:
    """The one reply to an SMS; never raises."""
    keyword = keyword_of(context.text)
    grammar = GRAMMARS.get(keyword)
    entry = _REPLIES.get(grammar.command) if grammar else None
    if entry is not None:
        refusal = _refusal(entry, context.sender)
        if refusal:
            return Answer(refusal)
    try:
        command = parse(context.text, today=context.today)
    except ParseError as error:
        if entry is None or entry.on_parse_error is None:
            return Answer(error_reply(error))
        return _call(entry.on_parse_error, context, error, keyword)
    assert entry is not None  # every grammar has a reply function (tests/test_conversation.py)
    return _call(entry.function, context, command, keyword)


def _refusal(entry: Entry, sender: Sender) -> str:
    if entry.senders is Senders.STAFF and sender.staff is None:
        return entry.not_staff(sender) if entry.not_staff else not_registered_reply()
    if entry.senders is Senders.VOLUNTEERS and not sender.is_active_reporter:
        if sender.reporter is not None:
            return pending_reply()
        if sender.staff is not None:
            return staff_reply()
        return not_registered_reply()
    return ""


def _call(
    function: Callable[[Context, Any], str], context: Context, argument: object, keyword: str
) -> Answer:
    try:
        return Answer(function(context, argument), accepted_keyword=keyword)
    except Refusal as refusal:
        return Answer(refusal.reply)
    except IntegrityError:
        return Answer("", conflict=True)
    except Exception:
        logger.exception("Answering %s failed", keyword)
        return Answer(system_error_reply(), failed=True)


def registered_commands() -> set[type]:
    return set(_REPLIES)
