"""A mother's follow-up through time, as one explicit stage derived from what was reported
(docs/lifecycle.md has the whole model: what each stage accepts, closes, opens and reminds).

    pregnant --BIR / DTH sbd--> postpartum --6 weeks--> completed
       |                           |
       +-- LOS / DTH mcc --> lost  |
       +-- DTH md ------> died <---+
       +-- DEP ---------> moved <--+      (DEP <village> is a transfer: the stage stays)

Each baby is its own record (``Baby``: stillborn, or ``died_on``); a baby's death never changes
the mother's stage.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from django.conf import settings

from maternal.models import Pregnancy
from maternal.schedules import POSTNATAL_DAYS


class Stage(StrEnum):
    PREGNANT = "pregnant"
    POSTPARTUM = "postpartum"
    COMPLETED = "completed"
    LOST = "lost"
    DIED = "died"
    MOVED = "moved"


#: Stages in which the follow-up is over: nothing more is sent about it.
CLOSED = frozenset({Stage.COMPLETED, Stage.LOST, Stage.DIED, Stage.MOVED})

_BY_STATUS: dict[str, Stage] = {
    Pregnancy.Status.ACTIVE: Stage.PREGNANT,
    Pregnancy.Status.LOST: Stage.LOST,
    Pregnancy.Status.MATERNAL_DEATH: Stage.DIED,
    Pregnancy.Status.MOVED: Stage.MOVED,
}


def postpartum_end(birth_date: date) -> date:
    """The last day of the postnatal follow-up: the week-6 contact, and the days in which it can
    still be reported before it counts as missed (its missed-visit follow-up is the last SMS)."""
    return birth_date + timedelta(days=max(POSTNATAL_DAYS)) + settings.MISSED_VISIT_AFTER


def stage(pregnancy: Pregnancy, *, today: date) -> Stage:
    """The stage of a pregnancy's follow-up on ``today``. A delivered pregnancy's ``closed_on`` is
    its birth date."""
    if pregnancy.status == Pregnancy.Status.DELIVERED:
        birth_date = pregnancy.closed_on or today
        return Stage.POSTPARTUM if today <= postpartum_end(birth_date) else Stage.COMPLETED
    return _BY_STATUS[pregnancy.status]
