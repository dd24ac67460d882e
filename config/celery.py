"""The Celery application. Tasks are thin: the database rows they act on are the truth, and the
periodic sweeps below pick up anything whose task was lost."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("umubyeyi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(**kwargs) -> None:
    """What Django does around each request, around each task: a connection that failed or
    outlived CONN_MAX_AGE is closed (the next query opens a new one). With CELERY_DB_REUSE_MAX set,
    Celery no longer closes every connection itself."""
    from django.db import close_old_connections

    close_old_connections()


@app.on_after_configure.connect
def schedule_sweeps(sender: Celery, **kwargs) -> None:
    from django.conf import settings

    sweep = settings.SWEEP_INTERVAL.total_seconds()
    reminders = settings.REMINDER_SWEEP_INTERVAL.total_seconds()
    sender.conf.beat_schedule = {
        "sweep-escalations": {
            "task": "reminders.tasks.sweep_escalations",
            "schedule": sweep,
            "options": {"queue": "emergency", "expires": sweep},
        },
        "sweep-emergency-outbox": {
            "task": "messaging.tasks.sweep_emergency_outbox",
            "schedule": sweep,
            "options": {"queue": "emergency", "expires": sweep},
        },
        "sweep-outbox": {
            "task": "messaging.tasks.sweep_outbox",
            "schedule": sweep,
            "options": {"expires": sweep},
        },
        "send-due-reminders": {
            "task": "reminders.tasks.send_due_reminders",
            "schedule": reminders,
            "options": {"queue": "reminders", "expires": reminders},
        },
        # Runs through the day; acts once per facility and day, from COVER_CHECK_TIME on.
        "check-duty-cover": {
            "task": "reminders.tasks.check_duty_cover",
            "schedule": reminders,
            "options": {"queue": "reminders", "expires": reminders},
        },
        # Every district's report for the previous month, on the 1st at 02:00 (CELERY_TIMEZONE).
        "render-monthly-reports": {
            "task": "reports.tasks.render_monthly_reports",
            "schedule": crontab(minute=0, hour=2, day_of_month=1),
        },
    }
