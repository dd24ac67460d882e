"""Pure parsing of the coded SMS reports: text -> a typed command, or a ParseError naming every
wrong field. No database, no settings: `today` is passed in.

    parse("PRE 1199070012345678 01.03.2026 3 2 gs vo", today=date(2026, 5, 1))
    -> PregnancyReport(mother_id=MotherId("national", "1199070012345678"), gravidity=3, ...)

Each keyword has one grammar in GRAMMARS: its usage line (the single source of HELP replies and
docs), a function that reads its fields and one that writes a command back as SMS text. A read
function takes the fields in message order from a `_Reader`, which records every error instead of
stopping at the first; the order of its reads is the field order. After the positional fields
come the free-order codes, sorted into the groups of codes.py. The short form and the national
long form of a keyword share one function, and the long form's extras (place, weight, ...) are
optional in both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from maternal.sms.errors import EmptyMessage, Field, Message, ParseError, UnknownKeyword, gettext_noop
from maternal.sms.grammar.commands import (
    Acknowledgement,
    AlertResult,
    AncReport,
    Approval,
    Baby,
    BirthReport,
    Command,
    DeathReport,
    DepartureReport,
    HelpRequest,
    LanguageChoice,
    LossReport,
    MotherId,
    OffDuty,
    OnDuty,
    PncReport,
    PregnancyReport,
    RedAlert,
    Registration,
    RiskReport,
    WhoAmI,
)
from maternal.sms.grammar.fields import _field_error, _shown, keyword_of, tokenize
from maternal.sms.grammar.keywords import (
    _date_text,
    _read_acknowledgement,
    _read_alert_result,
    _read_antenatal,
    _read_approval,
    _read_birth,
    _read_death,
    _read_departure,
    _read_help,
    _read_language,
    _read_loss,
    _read_off_duty,
    _read_on_duty,
    _read_postnatal,
    _read_pregnancy,
    _read_red_alert,
    _read_registration,
    _read_risk,
    _read_who,
    _sms,
    _write_alert_result,
    _write_antenatal,
    _write_birth,
    _write_death,
    _write_postnatal,
    _write_pregnancy,
    _write_red_alert,
    _write_registration,
    _write_risk,
)
from maternal.sms.grammar.reader import _Reader
from maternal.sms.grammar.rules import FACILITY_PLACES, KEYWORD_ALIASES, MAX_MESSAGE_LENGTH

__all__ = [
    "Acknowledgement",
    "AlertResult",
    "AncReport",
    "Approval",
    "Baby",
    "BirthReport",
    "Command",
    "DeathReport",
    "DepartureReport",
    "FACILITY_PLACES",
    "GRAMMARS",
    "HelpRequest",
    "KEYWORD_ALIASES",
    "KeywordGrammar",
    "LanguageChoice",
    "LossReport",
    "MotherId",
    "OffDuty",
    "OnDuty",
    "PncReport",
    "PregnancyReport",
    "RedAlert",
    "Registration",
    "RiskReport",
    "WhoAmI",
    "format_command",
    "keyword_of",
    "parse",
    "tokenize",
]


# --- The registry -------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeywordGrammar:
    """One keyword: the command it builds, its help lines, how to read its fields and how to
    write a command back as text."""

    keyword: str
    command: type
    usage: str  # the short form, as HELP shows it
    read: Callable[[_Reader], Any]
    write: Callable[[Any], str]
    long_usage: str | None = None  # the national long form, also accepted

    def parse(self, fields: Sequence[str], *, today: date) -> Command:
        """The command for the fields after the keyword, or ParseError with every error."""
        return self.read(_Reader(fields, keyword=self.keyword, today=today))


GRAMMARS: dict[str, KeywordGrammar] = {
    grammar.keyword: grammar
    for grammar in (
        KeywordGrammar(
            keyword="REG",
            command=Registration,
            usage=gettext_noop("REG <your ID> <facility code> <village code> [RW|EN|FR]"),
            read=_read_registration,
            write=_write_registration,
        ),
        KeywordGrammar(
            keyword="YES",
            command=Approval,
            usage=gettext_noop("YES <registration number>"),
            read=_read_approval,
            write=lambda c: _sms("YES", c.registration_number),
        ),
        KeywordGrammar(
            keyword="PRE",
            command=PregnancyReport,
            usage=gettext_noop("PRE <ID|NEW> <LMP dd.mm.yyyy> <gravidity> <parity> [codes] [phone]"),
            long_usage=gettext_noop(
                "PRE <ID> <LMP> <next visit> <gravidity> <parity> <risks> <symptoms> <hc|hp>"
                " wt<kg> ht<cm> <to|nt> <hw|nh> [muac<cm>] [phone]"
            ),
            read=_read_pregnancy,
            write=_write_pregnancy,
        ),
        KeywordGrammar(
            keyword="ANC",
            command=AncReport,
            usage=gettext_noop("ANC <ID> <visit date> <contact 1-8> [symptoms]"),
            long_usage=gettext_noop(
                "ANC <ID> <visit date> <anc2|anc3|anc4> <symptoms> <hc|hp> wt<kg> [muac<cm>]"
            ),
            read=_read_antenatal,
            write=_write_antenatal,
        ),
        KeywordGrammar(
            keyword="RISK",
            command=RiskReport,
            usage=gettext_noop("RISK <ID> <symptoms> [ho|or] [wt<kg>]"),
            read=_read_risk,
            write=_write_risk,
        ),
        KeywordGrammar(
            keyword="RED",
            command=RedAlert,
            usage=gettext_noop("RED <ID> <danger signs> [ho|or] [wt<kg>]"),
            read=_read_red_alert,
            write=_write_red_alert,
        ),
        KeywordGrammar(
            keyword="RAR",
            command=AlertResult,
            usage=gettext_noop("RAR <ID> <mw|ms|cw|cs> [aa|pr|pt|tr] [al|at|na]"),
            long_usage=gettext_noop("RAR <ID> <danger signs> <ho|or|hc|hp> <al|at|na> <mw|ms>"),
            read=_read_alert_result,
            write=_write_alert_result,
        ),
        KeywordGrammar(
            keyword="BIR",
            command=BirthReport,
            usage=gettext_noop(
                "BIR <ID> <birth date> <ho|or|hc|hp> <bo|gi> [wt<kg>] [signs] [next baby...] [bf1|nb]"
            ),
            long_usage=gettext_noop(
                "BIR <ID> <child 01-06> <birth date> <bo|gi> <signs> <ho|or|hc|hp> <bf1|nb> wt<kg>"
            ),
            read=_read_birth,
            write=_write_birth,
        ),
        KeywordGrammar(
            keyword="PNC",
            command=PncReport,
            usage=gettext_noop("PNC <ID> <visit 1-5> <visit date> [symptoms]"),
            long_usage=gettext_noop(
                "PNC <ID> <pnc1-pnc5> [yego|oya] <birth date> <symptoms> <aa|pr|pt|tr> <mw|ms>"
            ),
            read=_read_postnatal,
            write=_write_postnatal,
        ),
        KeywordGrammar(
            keyword="DTH",
            command=DeathReport,
            usage=gettext_noop("DTH <ID> <md|sbd|mcc|nd|cd> [date]"),
            long_usage=gettext_noop(
                "DTH <ID> <place> <md|sbd|mcc> or DTH <ID> <child 01-06> <birth date> <place> <nd|cd>"
            ),
            read=_read_death,
            write=_write_death,
        ),
        KeywordGrammar(
            keyword="LOS",
            command=LossReport,
            usage=gettext_noop("LOS <ID> [date]"),
            read=_read_loss,
            write=lambda c: _sms("LOS", c.mother_id, _date_text(c.date)),
        ),
        KeywordGrammar(
            keyword="DEP",
            command=DepartureReport,
            usage=gettext_noop("DEP <ID> [new village code]"),
            read=_read_departure,
            write=lambda c: _sms("DEP", c.mother_id, c.new_village_code),
        ),
        KeywordGrammar(
            keyword="OK",
            command=Acknowledgement,
            usage=gettext_noop("OK [alert number]"),
            read=_read_acknowledgement,
            write=lambda c: _sms("OK", c.alert_number),
        ),
        KeywordGrammar(
            keyword="ON",
            command=OnDuty,
            usage=gettext_noop("ON"),
            read=_read_on_duty,
            write=lambda c: "ON",
        ),
        KeywordGrammar(
            keyword="OFF",
            command=OffDuty,
            usage=gettext_noop("OFF"),
            read=_read_off_duty,
            write=lambda c: "OFF",
        ),
        KeywordGrammar(
            keyword="LANG",
            command=LanguageChoice,
            usage=gettext_noop("LANG <RW|EN|FR>"),
            read=_read_language,
            write=lambda c: _sms("LANG", c.language.upper()),
        ),
        KeywordGrammar(
            keyword="WHO",
            command=WhoAmI,
            usage=gettext_noop("WHO"),
            read=_read_who,
            write=lambda c: "WHO",
        ),
        KeywordGrammar(
            keyword="HELP",
            command=HelpRequest,
            usage=gettext_noop("HELP [keyword]"),
            read=_read_help,
            write=lambda c: _sms("HELP", c.keyword),
        ),
    )
}
_GRAMMAR_OF_COMMAND = {grammar.command: grammar for grammar in GRAMMARS.values()}


# --- Entry points -------------------------------------------------------------------------------
def parse(text: str, *, today: date) -> Command:
    """The command an SMS stands for. Raises ParseError (UnknownKeyword, EmptyMessage) listing
    every error; never anything else, whatever the text."""
    text = text.strip()
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ParseError([_field_error(Field.MESSAGE, Message.TOO_LONG)])
    tokens = tokenize(text)
    if not tokens:
        raise EmptyMessage([_field_error(Field.MESSAGE, Message.EMPTY)])
    grammar = GRAMMARS.get(keyword_of(text))
    if grammar is None:
        params = (("keyword", _shown(tokens[0])),)
        raise UnknownKeyword([_field_error(Field.KEYWORD, Message.UNKNOWN_KEYWORD, params)])
    return grammar.parse(tokens[1:], today=today)


def format_command(command: Command) -> str:
    """A command as canonical SMS text (dates DD.MM.YYYY) that parses back to the same command."""
    return _GRAMMAR_OF_COMMAND[type(command)].write(command)
