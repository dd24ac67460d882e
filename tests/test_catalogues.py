"""The reply catalogues (locale/{rw,en,fr}/LC_MESSAGES/django.po): complete, faithful to their
placeholders, written in the GSM 03.38 alphabet, valid for msgfmt. No database.

After changing a translated string, run `scripts/translations` and translate the new entries."""

from __future__ import annotations

import ast
import gettext
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from messaging.gsm import is_gsm, to_gsm

LOCALE = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("rw", "en", "fr")
TRANSLATED = ("rw", "fr")  # English is the source language: its msgstr may stay empty
PLURAL_FORMS = {
    "rw": "nplurals=2; plural=(n != 1);",
    "en": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
}
# French letters outside GSM 03.38 that the outbox may transliterate (ê -> e). Anything else that
# to_gsm changes (curly quotes, non-breaking spaces, dashes...) is a mistake in the catalogue.
TRANSLITERATED_ACCENTS = frozenset("êôçîâûëïœ")
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
REVIEW_NOTE = "Kinyarwanda translations need review by a native speaker before deployment."


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    comments: list[str] = field(default_factory=list)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    def sources(self) -> dict[int, str]:
        """The msgid each msgstr stands for: msgid for the singular, msgid_plural otherwise."""
        if self.msgid_plural is None:
            return {0: self.msgid}
        return {n: self.msgid if n == 0 else self.msgid_plural for n in self.msgstr}

    def sent_texts(self) -> list[str]:
        """What can go out in an SMS: each msgstr, or the msgid where the msgstr is empty."""
        sources = self.sources()
        return [text or sources[n] for n, text in self.msgstr.items()]

    def __str__(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def path_of(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


@cache
def read_po(language: str) -> tuple[Entry, ...]:
    """A minimal .po reader: entries with their msgid, msgstr forms, flags and comments
    (obsolete `#~` entries are left out)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None

    def value(text: str) -> str:
        return ast.literal_eval(text.strip())

    lines = path_of(language).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#~"):
            entry, target = None, None
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            entry.comments.append(line)
        elif line.startswith('"'):
            assert target is not None, f"{language} line {number}: continuation without a keyword"
            keyword, index = target
            if keyword == "msgstr":
                entry.msgstr[index] += value(line)
            else:
                setattr(entry, keyword, (getattr(entry, keyword) or "") + value(line))
        else:
            keyword, rest = line.split(" ", 1)
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match or keyword == "msgstr":
                index = int(match.group(1)) if match else 0
                entry.msgstr[index] = value(rest)
                target = ("msgstr", index)
            elif keyword in ("msgid", "msgid_plural", "msgctxt"):
                setattr(entry, keyword, value(rest))
                target = (keyword, 0)
            else:
                raise AssertionError(f"{language} line {number}: unexpected {line!r}")
    return tuple(entries)


def messages(language: str) -> list[Entry]:
    return [entry for entry in read_po(language) if not entry.is_header]


def header(language: str) -> dict[str, str]:
    (head,) = [entry for entry in read_po(language) if entry.is_header]
    return dict(line.split(": ", 1) for line in head.msgstr[0].splitlines() if ": " in line)


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def test_the_three_catalogues_hold_the_same_msgids():
    ids = {language: {(e.msgctxt, e.msgid) for e in messages(language)} for language in LANGUAGES}
    assert ids["rw"], "the Kinyarwanda catalogue is empty"
    assert ids["fr"] == ids["rw"] == ids["en"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_msgid_has_a_translation_in_french_and_kinyarwanda(language):
    nplurals = int(re.search(r"nplurals=(\d+)", PLURAL_FORMS[language]).group(1))
    untranslated = [
        str(entry)
        for entry in messages(language)
        if not all(entry.msgstr.values())
        or (entry.msgid_plural is not None and sorted(entry.msgstr) != list(range(nplurals)))
    ]
    assert not untranslated, f"{language}: untranslated entries:\n" + "\n".join(untranslated)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_is_fuzzy_because_msgfmt_would_drop_it_and_reply_in_english(language):
    fuzzy = [str(entry) for entry in read_po(language) if "fuzzy" in entry.flags]
    assert not fuzzy, f"{language}: fuzzy entries:\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_keeps_exactly_the_placeholders_of_its_msgid(language):
    wrong = [
        f"{entry} [{n}] {text!r}"
        for entry in messages(language)
        for n, text in entry.msgstr.items()
        if text and placeholders(text) != placeholders(entry.sources()[n])
    ]
    assert not wrong, f"{language}: placeholders differ from the msgid:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reply_text_is_written_in_the_gsm_alphabet(language):
    wrong = []
    for entry in messages(language):
        for text in entry.sent_texts():
            changed = {char for char in text if to_gsm(char) != char}
            if not is_gsm(to_gsm(text)) or changed - TRANSLITERATED_ACCENTS:
                wrong.append(f"{entry} {text!r}: {sorted(changed - TRANSLITERATED_ACCENTS)}")
    assert not wrong, f"{language}: characters outside GSM 03.38:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogue_declares_its_language_and_plural_forms(language):
    head = header(language)
    assert head.get("Language") == language
    assert head.get("Plural-Forms") == PLURAL_FORMS[language]
    assert head.get("Content-Type") == "text/plain; charset=UTF-8"


@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_check_passes_on_each_catalogue(language):
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(path_of(language))],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_po_file(language):
    compiled = path_of(language).with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run scripts/translations"
    with compiled.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for entry in messages(language):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            if entry.msgstr[0]:
                expected[key] = entry.msgstr[0]
        elif all(entry.msgstr.values()):
            expected.update({(key, n): text for n, text in entry.msgstr.items()})
    actual = {key: text for key, text in catalog.items() if key != ""}
    assert actual == expected, f"{compiled} is out of date: run scripts/translations"


def test_the_language_confirmation_names_the_new_language():
    """LANG composes "Your replies will now be in English." in the language just chosen."""
    confirmation = "Your replies will now be in English."
    texts = {
        language: next(e.msgstr[0] for e in messages(language) if e.msgid == confirmation)
        for language in LANGUAGES
    }
    assert "français" in texts["fr"]
    assert "Kinyarwanda" in texts["rw"]
    assert texts["en"] in ("", confirmation)


def test_every_kinyarwanda_entry_is_marked_for_review_by_a_native_speaker():
    head = next(entry for entry in read_po("rw") if entry.is_header)
    assert any(REVIEW_NOTE in comment for comment in head.comments)
    unmarked = [str(entry) for entry in messages("rw") if "# needs-review" not in entry.comments]
    assert not unmarked, "rw entries without '# needs-review':\n" + "\n".join(unmarked)
