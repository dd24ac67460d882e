"""Start-up checks of the reminder settings."""

from datetime import time

from django.conf import settings
from django.core.checks import Error, register


@register()
def cover_check_time_in_window(app_configs, **kwargs) -> list[Error]:
    """The morning cover check runs only inside the reminder window: a check time outside it would
    silently never run. An empty check time switches the check off."""
    if not settings.COVER_CHECK_TIME:
        return []
    start, end = (time.fromisoformat(value) for value in settings.REMINDER_WINDOW)
    try:
        check_time = time.fromisoformat(settings.COVER_CHECK_TIME)
    except ValueError:
        return [
            Error(
                f"COVER_CHECK_TIME {settings.COVER_CHECK_TIME!r} is not a time (HH:MM).", id="reminders.E001"
            )
        ]
    if not start <= check_time < end:
        return [
            Error(
                f"COVER_CHECK_TIME {settings.COVER_CHECK_TIME} is outside the reminder window "
                f"{settings.REMINDER_WINDOW[0]}-{settings.REMINDER_WINDOW[1]}: the duty-cover check would never run.",
                id="reminders.E001",
            )
        ]
    return []
