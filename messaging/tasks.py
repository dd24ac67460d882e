"""Thin Celery tasks over the outbox. Delivery is idempotent (a conditional claim), so a
redelivered task (acks_late) sends nothing twice."""

from celery import shared_task
from django.conf import settings

from messaging import delivery, locks


@shared_task(acks_late=True, time_limit=600, soft_time_limit=570)
def deliver_outbox() -> dict[str, int]:
    """Deliver the routine messages due, woken by ``services.dispatch`` after a transaction queued
    one. The wake-up flag is lowered before the outbox is read, so a message committed meanwhile is
    either read by this drain or publishes the next one: none waits for the sweep."""
    locks.lower_outbox_flag()
    return delivery.sweep_outbox(emergency=False)


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def deliver_emergency(message_id: int) -> bool:
    """One emergency message, on the emergency queue (settings.CELERY_TASK_ROUTES): alerts and
    escalations never wait behind routine messages, or for one another."""
    return delivery.deliver(message_id)


@shared_task(time_limit=600, soft_time_limit=570)
def sweep_outbox() -> dict[str, int]:
    """Routine messages whose wake-up was lost (the emergency ones have their own sweep)."""
    with locks.single_run("sweep_outbox", timeout=settings.SWEEP_INTERVAL) as acquired:
        return delivery.sweep_outbox(emergency=False) if acquired else {"skipped": 1}


@shared_task(time_limit=120, soft_time_limit=100)
def sweep_emergency_outbox() -> dict[str, int]:
    """Emergency messages whose task was lost, on the emergency queue."""
    with locks.single_run("sweep_emergency_outbox", timeout=settings.SWEEP_INTERVAL) as acquired:
        return delivery.sweep_outbox(emergency=True) if acquired else {"skipped": 1}
