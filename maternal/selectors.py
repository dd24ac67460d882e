"""Reads the conversation reuses: who is writing, in which language."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.conf import settings

from maternal.models import Reporter, Staff


@dataclass(frozen=True)
class Sender:
    phone: str
    reporter: Reporter | None

    @cached_property
    def staff(self) -> Staff | None:
        """Looked up on first use only: nearly every message comes from a volunteer, and only
        the staff keywords (OK, YES, WHO, LANG) or an unknown phone need it."""
        if not self.phone.startswith("+"):
            return None
        return Staff.objects.select_related("facility").filter(phone=self.phone).first()

    @property
    def language(self) -> str:
        person = self.reporter or self.staff
        return person.language if person else settings.LANGUAGE_CODE

    @property
    def is_active_reporter(self) -> bool:
        return self.reporter is not None and self.reporter.status == Reporter.Status.ACTIVE


def identify_sender(phone: str) -> Sender:
    reporter = (
        Reporter.objects.select_related("facility", "village").filter(phone=phone).first()
        if phone.startswith("+")
        else None
    )
    return Sender(phone=phone, reporter=reporter)
