"""Thin Celery tasks for monthly reports: they take ids and call ``reports.services``; the
``MonthlyReport`` row's status is the truth, so running a task twice renders a report once."""

from __future__ import annotations

import logging
from functools import partial

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError

from reports import services
from reports.months import Month

logger = logging.getLogger(__name__)


@shared_task(soft_time_limit=100, time_limit=120)
def render_report(report_id: int) -> str:
    """Compute and render one queued report; does nothing if it is already done or being rendered."""
    report = services.run_report(report_id=report_id)
    return report.status if report else "skipped"


@shared_task(soft_time_limit=50, time_limit=60)
def render_monthly_reports() -> dict[str, int]:
    """Every district's report of the previous month (beat: the 1st at 02:00). Safe to run again:
    done reports are left alone, and a report queued twice is rendered once."""
    report_ids = services.queue_monthly_reports(month=Month.current().shift(-1))
    for report_id in report_ids:
        transaction.on_commit(partial(render_report.delay, report_id))
    return {"queued": len(report_ids)}


def enqueue_render(report_id: int) -> None:
    """Hand a report to the workers; when the broker is unreachable, render it in this process
    instead, so a web request for a report still gets one."""
    try:
        render_report.delay(report_id)
    except OperationalError:
        logger.warning("Celery broker unreachable: rendering report %s synchronously", report_id)
        services.run_report(report_id=report_id)
