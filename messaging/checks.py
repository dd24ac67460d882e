"""The project's own ``manage.py check --deploy`` checks, for settings whose danger Django's checks
cannot know. An empty gateway secret refuses every SMS (no report, no RED reaches anyone); a short
one can be guessed, and whoever knows it can send SMS as any phone (acknowledge an alert as a
midwife, raise a false one). A wildcard host makes the server answer any ``Host`` header (Django
only warns about an empty list). They live with the gateway, the deployment's front door."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning

MIN_GATEWAY_SECRET = 32


@register(Tags.security, deploy=True)
def check_gateway_secret(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    secret = settings.SMS_GATEWAY_SECRET
    hint = "Set SMS_GATEWAY_SECRET to a random value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'."
    if not secret:
        return [
            Error(
                "SMS_GATEWAY_SECRET is empty: the SMS gateway endpoint refuses every message.",
                hint=hint,
                id="umubyeyi.E001",
            )
        ]
    if len(secret) < MIN_GATEWAY_SECRET:
        return [
            CheckWarning(
                f"SMS_GATEWAY_SECRET has fewer than {MIN_GATEWAY_SECRET} characters: it could be guessed, and "
                "whoever knows it can send SMS as any phone.",
                hint=hint,
                id="umubyeyi.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_allowed_hosts(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if "*" in settings.ALLOWED_HOSTS:
        return [
            CheckWarning(
                "ALLOWED_HOSTS contains '*': the server answers requests for any host name.",
                hint="Set ALLOWED_HOSTS to the public host name(s), comma-separated.",
                id="umubyeyi.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_sms_backend(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Every alert, escalation and reminder goes out through ``SMS_BACKEND``: a database backend
    (the tester's) would store them where no phone ever reads them."""
    backend = settings.INSTALLED_BACKENDS.get(settings.SMS_BACKEND)
    if backend is None or backend["ENGINE"] == "rapidsms.backends.database.DatabaseBackend":
        return [
            Error(
                f"SMS_BACKEND is {settings.SMS_BACKEND!r}, not a real SMS gateway: alerts and reminders would "
                "never reach a phone.",
                hint="Set SMS_BACKEND=kannel-backend (docs/deployment.md).",
                id="umubyeyi.E002",
            )
        ]
    return []
