"""The project's URLs plus two benchmark-only views that the inbound benchmark compares the
gateway with, on the same stack (gunicorn, middleware, database settings): a trivial view, the
ceiling (it does no work), and the durable floor, the least any gateway view must do."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from messaging.models import InboundMessage
from messaging.views import KannelInboundView, refusal_reason


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
def durable_floor(request: HttpRequest) -> HttpResponse:
    """A Kannel request, authenticated as the gateway view does it, stored in one INSERT that
    commits on its own (autocommit) and answered: no router, no parsing, no reply."""
    if refusal_reason(request) is not None:
        return HttpResponseForbidden("forbidden")
    identity, text = request.GET.get("id", ""), request.GET.get("text")
    if not identity or text is None:
        return HttpResponseBadRequest("id and text are required")
    InboundMessage.objects.create(
        phone=identity,
        backend=KannelInboundView.backend_name,
        text=text,
        gateway_id=request.GET.get("msgid", ""),
        received_at=timezone.now(),
    )
    return HttpResponse("")


urlpatterns = [
    path("benchmark/trivial/", trivial),
    path("benchmark/floor/", durable_floor),
    path("", include("config.urls")),
]
