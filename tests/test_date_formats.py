"""Dates on the web pages (the message tester's table, the reports) read as Rwanda writes them,
31.01.2026 14:05, whatever the language: not Django's American English or long French formats."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

MOMENT = datetime(2026, 1, 31, 14, 5, tzinfo=ZoneInfo("Africa/Kigali"))


@pytest.mark.parametrize("language", ["rw", "en", "fr"])
def test_a_date_and_time_read_day_month_year_in_every_language(language):
    template = Template(
        "{{ moment|date }} | {{ moment|date:'DATETIME_FORMAT' }} | {{ moment|date:'SHORT_DATETIME_FORMAT' }}"
    )
    with translation.override(language):
        assert (
            template.render(Context({"moment": MOMENT})) == "31.01.2026 | 31.01.2026 14:05 | 31.01.2026 14:05"
        )
