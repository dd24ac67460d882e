"""The project's web middleware: guards that hold for every page, whatever each view checks."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from rapidsms.contrib.httptester import views as httptester_views

TESTER_PERMISSION = "messaging.use_message_tester"


class MessageTesterPermissionMiddleware:
    """RapidSMS's message tester sends SMS as any phone (an OK as a midwife, a real RED) and its
    views check only a login: every one of them needs the permission to use the tester (superusers
    have it), whatever the URL that reaches it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "__module__", None) != httptester_views.__name__:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(TESTER_PERMISSION):
            raise PermissionDenied
        return None


class RefuseNullCharactersMiddleware:
    """A NUL character in the path or a query or form value is refused with 400. PostgreSQL text
    cannot hold one: a NUL that reached a query (a report filter, an admin filter or search, a
    login name) was a server error there. A view that handles NUL itself says so with a class
    attribute ``accepts_null_characters = True`` (the SMS gateway, which must not lose a message
    over junk a broken gateway adds)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        if getattr(getattr(view_func, "view_class", None), "accepts_null_characters", False):
            return
        values = [request.path, *_keys_and_values(request.GET), *_keys_and_values(request.POST)]
        if any("\x00" in value for value in values):
            raise BadRequest("NUL character in the request")


def _keys_and_values(data: QueryDict) -> list[str]:
    return [text for key, values in data.lists() for text in (key, *values)]
