"""The front door: ``/`` is where every login lands (``LOGIN_REDIRECT_URL``), and it sends each role
to its own page, so that a district official who logs in at ``/accounts/login/`` reaches their
reports instead of a page they may not open."""

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from reports.models import OfficialProfile


def landing_page(user: User | AnonymousUser) -> str:
    """The URL name of a user's own page; PermissionDenied for a user who may open none."""
    if not user.is_authenticated:
        return "login"
    if OfficialProfile.objects.filter(user=user).exists():
        return "reports:list"
    if user.is_staff:
        return "admin:index"
    if user.has_perm("messaging.use_message_tester"):
        return "httptester-index"
    if user.has_perm("messaging.view_message_log"):
        return "message_log"
    raise PermissionDenied


def home(request: HttpRequest) -> HttpResponse:
    return redirect(landing_page(request.user))
