"""WHO, HELP, LANG, unknown keywords, malformed input: one useful reply each, nothing written."""

import pytest

from maternal.models import AuditEntry, Mother, Pregnancy, Reporter
from messaging.models import InboundMessage
from tests.factories import ReporterFactory, StaffFactory


@pytest.fixture
def volunteer(db, today):
    return ReporterFactory(language="en", name="Uwase Marie")


def test_who_describes_a_volunteer(reply, volunteer):
    answer = reply(str(volunteer.phone), "WHO")
    assert "Uwase Marie" in answer and volunteer.facility.name in answer


def test_who_describes_staff(reply, db):
    midwife = StaffFactory(name="Mukamana Alice")
    assert "Mukamana Alice" in reply(str(midwife.phone), "who")


def test_who_from_an_unknown_phone_explains_registration(reply, db):
    assert "REG" in reply("+250788000111", "WHO")


def test_help_lists_the_keywords(reply, volunteer):
    answer = reply(str(volunteer.phone), "HELP")
    assert "PRE" in answer and "REG" in answer


def test_help_for_a_keyword_gives_its_format(reply, volunteer):
    assert reply(str(volunteer.phone), "help pre").startswith("PRE <")


def test_lang_changes_the_reply_language(reply, volunteer):
    answer = reply(str(volunteer.phone), "LANG FR")
    volunteer.refresh_from_db()
    assert volunteer.language == "fr"
    assert "francais" in answer  # GSM 03.38 has no ç: the outbox transliterates it


def test_unknown_keyword_lists_the_valid_ones(reply, volunteer):
    answer = reply(str(volunteer.phone), "HELLO there")
    assert "PRE" in answer and "HELP" in answer


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "x" * 1000,
        "PRE " + "9" * 996,
        "🤰🏽 PRE 🙂",
        "\x00\x01\x02\xff junk \x7f",
        "PRE",
        "PRE ...",
        ".",
    ],
    ids=[
        "empty",
        "spaces",
        "1000-chars",
        "long-pre",
        "emoji",
        "binary",
        "keyword-alone",
        "dots",
        "full-stop",
    ],
)
def test_malformed_input_gets_one_helpful_reply_and_writes_nothing(reply, volunteer, text):
    answer = reply(str(volunteer.phone), text)
    assert answer.strip()
    assert len(answer) <= 320
    assert not Pregnancy.objects.exists() and not Mother.objects.exists()
    assert not AuditEntry.objects.exists()
    assert InboundMessage.objects.get().reply == answer


def test_reply_comes_in_the_senders_language(reply, db, today):
    french = ReporterFactory(language="fr")
    english = ReporterFactory(language="en")
    assert reply(str(french.phone), "HELLO") != reply(str(english.phone), "HELLO")


def test_unknown_phones_get_the_default_language(reply, db, settings):
    settings.LANGUAGE_CODE = "rw"
    rw_answer = reply("+250788000222", "WHO")
    assert not Reporter.objects.exists()
    assert rw_answer != "This phone is not registered."
