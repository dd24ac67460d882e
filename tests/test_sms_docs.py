"""docs/sms-commands.md and HELP come from the same source as the parser."""

from pathlib import Path

from django.conf import settings

from maternal.sms.docs import render
from maternal.sms.grammar import GRAMMARS


def test_the_sms_commands_document_is_up_to_date():
    committed = (Path(settings.BASE_DIR) / "docs" / "sms-commands.md").read_text()
    assert committed == render(), "run: python manage.py sms_docs"


def test_every_keyword_has_a_sample_conversation_in_the_document():
    document = render()
    for keyword in GRAMMARS:
        section = document.split(f"### {keyword}\n", 1)[1].split("\n### ", 1)[0]
        assert f"> {keyword}" in section.upper() or keyword in ("AIDE",), keyword


def test_help_for_each_keyword_answers_its_usage_line(reply, db, settings):
    settings.LANGUAGE_CODE = "en"
    for keyword, grammar in GRAMMARS.items():
        assert reply("+250788000333", f"HELP {keyword}") == grammar.usage
