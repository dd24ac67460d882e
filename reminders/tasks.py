"""Thin Celery tasks: they take ids or nothing, and call services that are safe to run twice."""

from celery import shared_task
from django.conf import settings

from maternal import alerts
from messaging.locks import single_run
from reminders import cover, services


@shared_task(time_limit=300, soft_time_limit=270)
def sweep_escalations() -> dict[str, int]:
    with single_run("sweep_escalations", timeout=settings.SWEEP_INTERVAL) as acquired:
        return alerts.sweep_escalations() if acquired else {"skipped": 1}


@shared_task(time_limit=1800, soft_time_limit=1750)
def send_due_reminders() -> dict[str, int]:
    with single_run("send_due_reminders", timeout=settings.REMINDER_SWEEP_INTERVAL) as acquired:
        return services.send_due_reminders() if acquired else {"skipped": 1}


@shared_task(time_limit=300, soft_time_limit=270)
def check_duty_cover() -> dict[str, int]:
    with single_run("check_duty_cover", timeout=settings.REMINDER_SWEEP_INTERVAL) as acquired:
        return cover.check_cover() if acquired else {"skipped": 1}
