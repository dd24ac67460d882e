"""The reader a keyword's grammar reads its fields with: it records every error instead of
stopping at the first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, TypeVar, cast, overload

from maternal.codes import Code, lookup
from maternal.sms.errors import (
    Field,
    FieldError,
    Message,
    ParseError,
)
from maternal.sms.grammar.commands import (
    MotherId,
)
from maternal.sms.grammar.fields import (
    _DIGITS,
    _NUMBER,
    InvalidValue,
    _field_error,
    _shown,
    looks_like_date,
    parse_date,
    parse_measure,
    parse_mother_id,
)
from maternal.sms.grammar.rules import (
    ID_LENGTH,
    STANDS_ALONE,
    Measure,
)

# --- The reader ---------------------------------------------------------------------------------
T = TypeVar("T")


@dataclass(frozen=True)
class _Item:
    """One free-order token: kind is "code", a measure prefix, "number", "date" or "unknown"."""

    kind: str
    token: str
    code: Code | None = None


@dataclass
class _Tail:
    """The free-order tokens after the positional fields, classified, in the order typed."""

    items: list[_Item]

    def codes(self, *groups: str) -> tuple[str, ...]:
        found: list[str] = []
        for item in self.items:
            if item.code is not None and item.code.group in groups and item.code.code not in found:
                found.append(item.code.code)
        return tuple(found)

    def tokens(self, kind: str) -> list[str]:
        found: list[str] = []
        for item in self.items:
            if item.kind == kind and item.token not in found:
                found.append(item.token)
        return found


class _Reader:
    """Reads the fields of one message in order and records every error instead of stopping.

    A read that fails records its error and returns None; `finish()` raises before any command
    is built from such a value, so read functions can treat results as valid.
    """

    def __init__(self, tokens: Sequence[str], *, keyword: str, today: date) -> None:
        self.tokens = [token.lower() for token in tokens]
        self.position = 0
        self.keyword = keyword
        self.today = today
        self.errors: list[FieldError] = []
        self.partial: dict[str, object] = {}

    def error(self, field: Field, message: Message, **params: object) -> None:
        pairs = tuple((name, str(value)) for name, value in params.items())
        self.errors.append(_field_error(field, message, pairs))

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str | None:
        token = self.peek()
        if token is not None:
            self.position += 1
        return token

    def check(self, field: Field, parser: Callable[[str], T], token: str) -> T:
        try:
            return parser(token)
        except InvalidValue as invalid:
            self.errors.append(_field_error(field, invalid.message, invalid.params))
            return cast(T, None)

    def read(self, field: Field, parser: Callable[[str], T]) -> T:
        """The next field, which is required."""
        token = self.take()
        if token is None:
            self.error(field, Message.MISSING_FIELD)
            return cast(T, None)
        return self.check(field, parser, token)

    def read_optional(self, field: Field, parser: Callable[[str], T]) -> T | None:
        token = self.take()
        return None if token is None else self.check(field, parser, token)

    def read_id(self, parser: Callable[[str], T]) -> T:
        """The ID field. An ID typed in its printed groups (1 1990 7 0012345 0 12) is joined."""
        token = self.peek()
        if token is not None and len(token) == 1 and _DIGITS.fullmatch(token):
            joined, end = token, self.position + 1
            while len(joined) < ID_LENGTH and end < len(self.tokens) and _DIGITS.fullmatch(self.tokens[end]):
                joined, end = joined + self.tokens[end], end + 1
            if len(joined) == ID_LENGTH:
                self.position = end
                return self.check(Field.ID, parser, joined)
        return self.read(Field.ID, parser)

    def mother_id(self, *, registering: bool = False) -> MotherId:
        return self.read_id(lambda token: parse_mother_id(token, today=self.today, registering=registering))

    def any_date(self, token: str) -> date:
        return parse_date(token, today=self.today)

    def past_date(self, token: str) -> date:
        value = parse_date(token, today=self.today)
        if value > self.today:
            raise InvalidValue(Message.DATE_IN_FUTURE)
        return value

    def tail(
        self,
        groups: Sequence[str],
        *,
        measures: Sequence[Measure] = (),
        numbers: bool = False,
        dates: bool = False,
        before: Sequence[str] = (),
    ) -> _Tail:
        """Classify every remaining token (and `before`, tokens taken early) as a code of
        `groups`, a measure (wt55, or "wt 55"), a date or a number if those are expected here,
        or unknown."""
        tokens = [*before, *self.tokens[self.position :]]
        self.position = len(self.tokens)
        prefixes = {measure.prefix for measure in measures}
        items: list[_Item] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token in prefixes and index + 1 < len(tokens) and _NUMBER.fullmatch(tokens[index + 1]):
                index += 1
                token += tokens[index]
            items.append(self._classify(token, groups, prefixes, numbers=numbers, dates=dates))
            index += 1
        return _Tail(items)

    @staticmethod
    def _classify(
        token: str, groups: Sequence[str], prefixes: set[str], *, numbers: bool, dates: bool
    ) -> _Item:
        code = lookup(groups, token)
        if code is not None:
            return _Item("code", token, code)
        for prefix in prefixes:
            rest = token[len(prefix) :]
            if token.startswith(prefix) and (not rest or rest[0] in "0123456789.,"):
                return _Item(prefix, token)
        if dates and looks_like_date(token):
            return _Item("date", token)
        if numbers and _NUMBER.fullmatch(token):
            return _Item("number", token)
        return _Item("unknown", token)

    def reject_unknown(self, tail: _Tail) -> None:
        for token in tail.tokens("unknown"):
            if token[0].isalpha():
                self.error(Field.CODES, Message.UNKNOWN_CODE, code=_shown(token))
            else:
                self.error(Field.MESSAGE, Message.UNEXPECTED, token=_shown(token))

    def codes(self, tail: _Tail, group: str) -> tuple[str, ...]:
        """A list field of codes of one group."""
        found = tail.codes(group)
        self.stand_alone(found)
        return found

    def stand_alone(self, codes: tuple[str, ...]) -> None:
        """`nr` and `np` mean "nothing": they cannot go with other codes of their list."""
        for code in codes:
            if code in STANDS_ALONE and len(codes) > 1:
                self.error(Field.CODES, STANDS_ALONE[code])

    @overload
    def one(
        self,
        tail: _Tail,
        group: str,
        field: Field,
        *,
        allowed: Sequence[str] | None = None,
        refusal: Message = Message.CODE_NOT_ALLOWED,
        required: Literal[True],
    ) -> str: ...

    @overload
    def one(
        self,
        tail: _Tail,
        group: str,
        field: Field,
        *,
        allowed: Sequence[str] | None = None,
        refusal: Message = Message.CODE_NOT_ALLOWED,
        required: bool = False,
    ) -> str | None: ...

    def one(
        self,
        tail: _Tail,
        group: str,
        field: Field,
        *,
        allowed: Sequence[str] | None = None,
        refusal: Message = Message.CODE_NOT_ALLOWED,
        required: bool = False,
    ) -> str | None:
        """A field holding at most one code of `group` (only `allowed` ones, if given). A required
        one is typed `str`, like `read`'s values: when it fails, its error is recorded and
        `finish()` raises before a command is built from the None returned."""
        found = tail.codes(group)
        if len(found) > 1:
            self.error(field, Message.CONFLICTING_CODES, codes=" ".join(found))
            return None
        if not found:
            if required:
                self.error(field, Message.MISSING_FIELD)
            return None
        if allowed is not None and found[0] not in allowed:
            self.error(field, refusal, code=found[0], allowed="/".join(allowed))
            return None
        return found[0]

    def measure(self, tail: _Tail, measure: Measure) -> Decimal | None:
        found = tail.tokens(measure.prefix)
        if len(found) > 1:
            self.error(measure.field, Message.CONFLICTING_CODES, codes=" ".join(found))
            return None
        if not found:
            return None
        return self.check(measure.field, lambda token: parse_measure(measure, token), found[0])

    def single(self, tail: _Tail, kind: str, field: Field, parser: Callable[[str], T]) -> T | None:
        """At most one number or date in the free-order fields; more are unexpected."""
        found = tail.tokens(kind)
        for extra in found[1:]:
            self.error(Field.MESSAGE, Message.UNEXPECTED, token=_shown(extra))
        return self.check(field, parser, found[0]) if found else None

    def finish(self) -> None:
        """Reject what is left over, then raise every error found, if any."""
        for token in self.tokens[self.position :]:
            self.error(Field.MESSAGE, Message.UNEXPECTED, token=_shown(token))
        self.position = len(self.tokens)
        if self.errors:
            raise ParseError(self.errors, keyword=self.keyword, partial=self.partial)
