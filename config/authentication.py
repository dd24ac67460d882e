"""The login lockout as an authentication backend (django-axes, settings ``AXES_*``).

Every web login (``accounts/login/``, the admin) passes the request, and the lockout applies.
``authenticate()`` called without a request comes from code an operator runs (a management
command, a shell, a test): there is no client address to lock, and django-axes' own backend would
refuse such a call with an exception, so this one steps aside and lets the next backend decide.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginLockoutBackend(AxesStandaloneBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
