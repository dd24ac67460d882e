"""RapidSMS's message tester sends SMS as any phone and its message log shows every message with
mothers' IDs: only staff may open them, whatever RapidSMS's own views check (a login)."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

STAFF_ONLY_PREFIXES = ("/httptester/", "/messagelog/")


class StaffOnlyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(STAFF_ONLY_PREFIXES) and not request.user.is_staff:
            return redirect_to_login(request.get_full_path(), "admin:login")
        return self.get_response(request)
