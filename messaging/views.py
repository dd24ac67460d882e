"""Gateway endpoints. Kannel's smsbox calls ``/gateway/kannel/?secret=...&id=%p&text=%a&msgid=...``
(see docs/deployment.md); a request without the configured secret, or from an address outside
the allow-list, is refused with 403 and not processed."""

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from messaging.services import receive_sms

logger = logging.getLogger(__name__)


def gateway_allowed(request: HttpRequest) -> bool:
    secret = request.GET.get("secret", "") or request.headers.get("X-Gateway-Secret", "")
    if not settings.SMS_GATEWAY_SECRET or not hmac.compare_digest(secret, settings.SMS_GATEWAY_SECRET):
        return False
    allowed = settings.SMS_GATEWAY_ALLOWED_ADDRESSES
    return not allowed or request.META.get("REMOTE_ADDR") in allowed


@method_decorator(csrf_exempt, name="dispatch")
class KannelInboundView(View):
    http_method_names = ["get", "post"]
    backend_name = "kannel-backend"

    def get(self, request: HttpRequest) -> HttpResponse:
        if not gateway_allowed(request):
            logger.warning("Refused gateway request from %s", request.META.get("REMOTE_ADDR"))
            return HttpResponseForbidden("forbidden")
        data = request.GET if request.method == "GET" else request.POST
        identity, text = data.get("id", "").strip(), data.get("text")
        if not identity or text is None:
            return HttpResponseBadRequest("id and text are required")
        receive_sms(backend=self.backend_name, identity=identity, text=text, gateway_id=data.get("msgid", ""))
        # Kannel would send any response body as an SMS: replies go through the outbox instead.
        return HttpResponse("")

    post = get
