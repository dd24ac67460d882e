"""The project's URLs plus one trivial view: the ceiling the gateway's rate is compared with
(same gunicorn, middleware and database settings; the view itself does no work)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("benchmark/trivial/", trivial),
    path("", include("config.urls")),
]
