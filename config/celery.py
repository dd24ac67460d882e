"""The Celery application. Tasks are thin: the database rows they act on are the truth, and the
periodic sweeps below pick up anything whose task was lost."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("umubyeyi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "sweep-escalations": {
        "task": "reminders.tasks.sweep_escalations",
        "schedule": 60.0,
        "options": {"queue": "emergency", "expires": 55},
    },
    "sweep-outbox": {"task": "messaging.tasks.sweep_outbox", "schedule": 60.0, "options": {"expires": 55}},
    "send-due-reminders": {
        "task": "reminders.tasks.send_due_reminders",
        "schedule": crontab(minute="*/15"),
        "options": {"queue": "reminders", "expires": 600},
    },
}
