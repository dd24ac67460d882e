"""docs/glossary.md against the Kinyarwanda catalogue: a reply that uses a concept of the glossary
uses its national Kinyarwanda term, and not the word it replaced. The glossary table is the data:
add a row there, not here. No database.

A row's forms are the backticked words of its cells: English forms are found as whole words in the
msgid (placeholders and SMS keywords such as RISK aside); Kinyarwanda and replaced forms as parts
of words in the msgstr, because Kinyarwanda words take prefixes. A form in capitals (ID, EDD) is
matched as a whole word, case-sensitively, on both sides."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from maternal.sms.grammar import GRAMMARS, KEYWORD_ALIASES
from tests.test_catalogues import PLACEHOLDER, messages

GLOSSARY = Path(__file__).resolve().parent.parent / "docs" / "glossary.md"
HEADER = "| English | French | Kinyarwanda | source | replaces | notes |"
FORM = re.compile(r"`([^`]+)`")
KEYWORDS = frozenset(GRAMMARS) | frozenset(KEYWORD_ALIASES)


@dataclass(frozen=True)
class Concept:
    name: str
    english: tuple[str, ...]
    kinyarwanda: tuple[str, ...]
    replaced: tuple[str, ...]


def read_glossary() -> list[Concept]:
    lines = GLOSSARY.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # past the header and its |---| line
    concepts = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        english, _french, kinyarwanda, _source, replaced, _notes = (
            cell.strip() for cell in line.strip().strip("|").split("|")
        )
        concepts.append(
            Concept(
                name=english.split(":")[0],
                english=tuple(FORM.findall(english)),
                kinyarwanda=tuple(FORM.findall(kinyarwanda)),
                replaced=tuple(FORM.findall(replaced)),
            )
        )
    return concepts


CONCEPTS = read_glossary()


def _whole_word(form: str) -> re.Pattern:
    flags = 0 if form.isupper() else re.IGNORECASE
    return re.compile(rf"(?<!\w){re.escape(form)}(?!\w)", flags)


def uses(msgid: str, form: str) -> bool:
    """Whether the English text uses ``form`` as a word of its own, not as an SMS keyword."""
    text = PLACEHOLDER.sub(" ", msgid)
    return any(match.group() not in KEYWORDS for match in _whole_word(form).finditer(text))


def contains(msgstr: str, form: str) -> bool:
    if form.isupper():
        return _whole_word(form).search(msgstr) is not None
    return form.lower() in msgstr.lower()


#: Code that writes the district report (web page, PDF), not SMS: its wording is not held to the
#: volunteers' vocabulary (docs/glossary.md).
REPORT_CODE = ("reports/", "templates/")


def is_sms_text(entry) -> bool:
    """Whether an entry is used by the SMS side: referenced from code outside the reports."""
    references = [
        word for comment in entry.comments if comment.startswith("#:") for word in comment[2:].split()
    ]
    return any(not reference.startswith(REPORT_CODE) for reference in references)


def replies_using(concept: Concept) -> list[tuple[str, str]]:
    """(msgid, Kinyarwanda msgstr) of every rw SMS entry, each plural form apart, using the concept."""
    return [
        (source, text)
        for entry in messages("rw")
        if is_sms_text(entry)
        for n, text in entry.msgstr.items()
        for source in [entry.sources()[n]]
        if any(uses(source, form) for form in concept.english)
    ]


@pytest.fixture(params=CONCEPTS, ids=[concept.name for concept in CONCEPTS])
def concept(request) -> Concept:
    return request.param


def test_the_glossary_has_a_row_per_concept():
    names = [concept.name for concept in CONCEPTS]
    assert len(names) >= 20, names
    assert len(set(names)) == len(names), names


def test_each_row_names_its_english_and_kinyarwanda_forms(concept):
    assert concept.english and concept.kinyarwanda, concept


def test_each_concept_is_used_by_some_reply(concept):
    assert replies_using(concept), f"no msgid uses {concept.english}: update docs/glossary.md"


def test_every_reply_using_a_concept_says_its_kinyarwanda_term(concept):
    wrong = [
        f"{msgid!r} -> {text!r}"
        for msgid, text in replies_using(concept)
        if not any(contains(text, form) for form in concept.kinyarwanda)
    ]
    assert not wrong, f"rw replies without any of {concept.kinyarwanda}:\n" + "\n".join(wrong)


def test_no_reply_using_a_concept_keeps_the_word_it_replaced(concept):
    wrong = [
        f"{msgid!r} -> {text!r}"
        for msgid, text in replies_using(concept)
        if any(contains(text, form) for form in concept.replaced)
    ]
    assert not wrong, f"rw replies still using {concept.replaced}:\n" + "\n".join(wrong)
